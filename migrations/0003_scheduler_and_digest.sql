CREATE TABLE "reminder_snoozes" (
	"subject_kind" text NOT NULL,
	"subject_id" text NOT NULL,
	"person_id" uuid NOT NULL,
	"snoozed_until" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reminder_snoozes_subject_kind_subject_id_person_id_pk" PRIMARY KEY("subject_kind","subject_id","person_id")
);
--> statement-breakpoint
ALTER TABLE "programs" ADD COLUMN "request_expiry_days" integer DEFAULT 14 NOT NULL;--> statement-breakpoint
ALTER TABLE "programs" ADD COLUMN "ccc_digest_lead_days" integer DEFAULT 7 NOT NULL;--> statement-breakpoint
ALTER TABLE "outbox_messages" ADD COLUMN "program_id" uuid;--> statement-breakpoint
ALTER TABLE "outbox_messages" ADD COLUMN "thread_parent_key" text;--> statement-breakpoint
ALTER TABLE "outbox_messages" ADD COLUMN "replaces_key" text;--> statement-breakpoint
ALTER TABLE "reminder_snoozes" ADD CONSTRAINT "reminder_snoozes_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox_messages" ADD CONSTRAINT "outbox_messages_program_id_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."programs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "outbox_messages_thread_parent" ON "outbox_messages" USING btree ("thread_parent_key") WHERE "outbox_messages"."thread_parent_key" is not null;--> statement-breakpoint
ALTER TABLE "programs" ADD CONSTRAINT "programs_request_expiry_days" CHECK ("programs"."request_expiry_days" between 1 and 90);--> statement-breakpoint
ALTER TABLE "programs" ADD CONSTRAINT "programs_ccc_digest_lead_days" CHECK ("programs"."ccc_digest_lead_days" between 0 and 60);