CREATE TYPE "public"."teams_conversation_kind" AS ENUM('personal', 'channel', 'group_chat');--> statement-breakpoint
CREATE TABLE "teams_conversations" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" "teams_conversation_kind" NOT NULL,
	"service_url" text NOT NULL,
	"tenant_id" text NOT NULL,
	"person_id" uuid,
	"team_id" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "teams_install_notices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"program_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"notified_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "teams_install_notices_programId_personId_unique" UNIQUE("program_id","person_id")
);
--> statement-breakpoint
ALTER TABLE "programs" ADD COLUMN "chat_platform" "platform" DEFAULT 'slack' NOT NULL;--> statement-breakpoint
ALTER TABLE "teams_conversations" ADD CONSTRAINT "teams_conversations_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "teams_install_notices" ADD CONSTRAINT "teams_install_notices_program_id_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."programs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "teams_install_notices" ADD CONSTRAINT "teams_install_notices_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;