CREATE TYPE "public"."ccc_rating_source" AS ENUM('import', 'chat');--> statement-breakpoint
CREATE TYPE "public"."milestone_rating" AS ENUM('not_observed', 'not_yet_level_1', '1', '1.5', '2', '2.5', '3', '3.5', '4', '4.5', '5');--> statement-breakpoint
CREATE TYPE "public"."period_kind" AS ENUM('mid_year', 'end_of_year');--> statement-breakpoint
CREATE TYPE "public"."platform" AS ENUM('slack', 'teams');--> statement-breakpoint
CREATE TYPE "public"."program_role" AS ENUM('resident', 'fellow', 'faculty', 'rater', 'coordinator', 'program_director', 'associate_program_director', 'ccc_member', 'ccc_chair');--> statement-breakpoint
CREATE TYPE "public"."rater_role" AS ENUM('nurse', 'peer', 'pharmacist', 'therapist', 'social_worker', 'staff', 'student', 'patient_family', 'faculty');--> statement-breakpoint
CREATE TYPE "public"."feedback_request_status" AS ENUM('open', 'answered', 'declined', 'expired');--> statement-breakpoint
CREATE TYPE "public"."feedback_source" AS ENUM('request', 'rotation_evaluation', 'unsolicited');--> statement-breakpoint
CREATE TYPE "public"."learning_goal_source" AS ENUM('feedback', 'self_assessment_gap', 'resident');--> statement-breakpoint
CREATE TYPE "public"."learning_goal_status" AS ENUM('open', 'done', 'dropped');--> statement-breakpoint
CREATE TYPE "public"."multisource_request_status" AS ENUM('open', 'answered', 'did_not_work_with', 'expired');--> statement-breakpoint
CREATE TYPE "public"."outbox_status" AS ENUM('pending', 'sent', 'dead');--> statement-breakpoint
CREATE TYPE "public"."self_assessment_status" AS ENUM('in_progress', 'submitted');--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_id" uuid,
	"channel" text NOT NULL,
	"action" text NOT NULL,
	"subject_type" text,
	"subject_id" text,
	"details" jsonb
);
--> statement-breakpoint
CREATE TABLE "ccc_ratings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"resident_id" uuid NOT NULL,
	"period_id" uuid NOT NULL,
	"subcompetency_id" uuid NOT NULL,
	"rating" "milestone_rating" NOT NULL,
	"rated_by_id" uuid,
	"source" "ccc_rating_source" NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ccc_ratings_residentId_periodId_subcompetencyId_unique" UNIQUE("resident_id","period_id","subcompetency_id"),
	CONSTRAINT "ccc_ratings_observed" CHECK ("ccc_ratings"."rating" <> 'not_observed')
);
--> statement-breakpoint
CREATE TABLE "evaluation_declines" (
	"rotation_assignment_id" uuid NOT NULL,
	"faculty_id" uuid NOT NULL,
	"reason" text,
	"declined_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "evaluation_declines_rotation_assignment_id_faculty_id_pk" PRIMARY KEY("rotation_assignment_id","faculty_id")
);
--> statement-breakpoint
CREATE TABLE "feedback_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"program_id" uuid NOT NULL,
	"resident_id" uuid NOT NULL,
	"author_id" uuid NOT NULL,
	"source" "feedback_source" NOT NULL,
	"feedback_request_id" uuid,
	"rotation_assignment_id" uuid,
	"reinforcing" text,
	"corrective" text,
	"next_step" text,
	"directly_observed" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "feedback_entries_feedbackRequestId_unique" UNIQUE("feedback_request_id"),
	CONSTRAINT "feedback_entries_rotationAssignmentId_authorId_unique" UNIQUE("rotation_assignment_id","author_id"),
	CONSTRAINT "feedback_entries_source_link" CHECK (("feedback_entries"."source" <> 'request' or "feedback_entries"."feedback_request_id" is not null) and ("feedback_entries"."source" <> 'rotation_evaluation' or "feedback_entries"."rotation_assignment_id" is not null))
);
--> statement-breakpoint
CREATE TABLE "feedback_ratings" (
	"feedback_entry_id" uuid NOT NULL,
	"subcompetency_id" uuid NOT NULL,
	"rating" "milestone_rating" NOT NULL,
	CONSTRAINT "feedback_ratings_feedback_entry_id_subcompetency_id_pk" PRIMARY KEY("feedback_entry_id","subcompetency_id")
);
--> statement-breakpoint
CREATE TABLE "feedback_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"program_id" uuid NOT NULL,
	"resident_id" uuid NOT NULL,
	"assessor_id" uuid NOT NULL,
	"subcompetency_id" uuid,
	"template_id" text,
	"question" text NOT NULL,
	"context" text,
	"encounter_on" date,
	"due_on" date NOT NULL,
	"status" "feedback_request_status" DEFAULT 'open' NOT NULL,
	"submission_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	CONSTRAINT "feedback_requests_residentId_submissionKey_unique" UNIQUE("resident_id","submission_key"),
	CONSTRAINT "feedback_requests_not_self" CHECK ("feedback_requests"."resident_id" <> "feedback_requests"."assessor_id")
);
--> statement-breakpoint
CREATE TABLE "institutions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "institutions_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "programs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"institution_id" uuid NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"specialty" text NOT NULL,
	"time_zone" text DEFAULT 'America/New_York' NOT NULL,
	"milestone_set_code" text,
	"milestone_set_version" text,
	"ccc_slack_channel_id" text,
	"ccc_teams_conversation_id" text,
	"multisource_threshold" integer DEFAULT 3 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "programs_institutionId_slug_unique" UNIQUE("institution_id","slug"),
	CONSTRAINT "programs_multisource_threshold_min" CHECK ("programs"."multisource_threshold" >= 3)
);
--> statement-breakpoint
CREATE TABLE "cron_slots" (
	"task" text NOT NULL,
	"slot" text NOT NULL,
	"claimed_by" text NOT NULL,
	"claimed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cron_slots_task_slot_pk" PRIMARY KEY("task","slot")
);
--> statement-breakpoint
CREATE TABLE "job_claims" (
	"job" text NOT NULL,
	"scope" text NOT NULL,
	"period" text NOT NULL,
	"claimed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"claimed_by" text NOT NULL,
	"finished_at" timestamp with time zone,
	"result" jsonb,
	CONSTRAINT "job_claims_job_scope_period_pk" PRIMARY KEY("job","scope","period")
);
--> statement-breakpoint
CREATE TABLE "learning_goals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"program_id" uuid NOT NULL,
	"resident_id" uuid NOT NULL,
	"subcompetency_id" uuid,
	"action" text NOT NULL,
	"due_on" date NOT NULL,
	"status" "learning_goal_status" DEFAULT 'open' NOT NULL,
	"source" "learning_goal_source" NOT NULL,
	"feedback_entry_id" uuid,
	"period_id" uuid,
	"outcome" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	CONSTRAINT "learning_goals_residentId_feedbackEntryId_unique" UNIQUE("resident_id","feedback_entry_id")
);
--> statement-breakpoint
CREATE TABLE "competencies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"milestone_set_id" uuid NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "competencies_milestoneSetId_code_unique" UNIQUE("milestone_set_id","code")
);
--> statement-breakpoint
CREATE TABLE "level_descriptors" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"subcompetency_id" uuid NOT NULL,
	"level" integer NOT NULL,
	"description" text NOT NULL,
	CONSTRAINT "level_descriptors_subcompetencyId_level_unique" UNIQUE("subcompetency_id","level"),
	CONSTRAINT "level_descriptors_level" CHECK ("level_descriptors"."level" between 1 and 5)
);
--> statement-breakpoint
CREATE TABLE "milestone_sets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"version" text NOT NULL,
	"name" text NOT NULL,
	"specialty" text NOT NULL,
	CONSTRAINT "milestone_sets_code_version_unique" UNIQUE("code","version")
);
--> statement-breakpoint
CREATE TABLE "subcompetencies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"milestone_set_id" uuid NOT NULL,
	"competency_id" uuid NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "subcompetencies_milestoneSetId_code_unique" UNIQUE("milestone_set_id","code")
);
--> statement-breakpoint
CREATE TABLE "multisource_answers" (
	"response_id" uuid NOT NULL,
	"item_id" uuid NOT NULL,
	"score" integer NOT NULL,
	CONSTRAINT "multisource_answers_response_id_item_id_pk" PRIMARY KEY("response_id","item_id"),
	CONSTRAINT "multisource_answers_score" CHECK ("multisource_answers"."score" between 1 and 5)
);
--> statement-breakpoint
CREATE TABLE "multisource_instruments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"program_id" uuid,
	"rater_role" "rater_role" NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"title" text NOT NULL,
	CONSTRAINT "multisource_instruments_programId_raterRole_version_unique" UNIQUE NULLS NOT DISTINCT("program_id","rater_role","version")
);
--> statement-breakpoint
CREATE TABLE "multisource_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"instrument_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"subcompetency_code" text NOT NULL,
	"prompt" text NOT NULL,
	"anchors" jsonb NOT NULL,
	CONSTRAINT "multisource_items_instrumentId_position_unique" UNIQUE("instrument_id","position")
);
--> statement-breakpoint
CREATE TABLE "multisource_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"round_id" uuid NOT NULL,
	"resident_id" uuid NOT NULL,
	"rater_id" uuid NOT NULL,
	"rater_role" "rater_role" NOT NULL,
	"instrument_id" uuid NOT NULL,
	"status" "multisource_request_status" DEFAULT 'open' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "multisource_requests_roundId_residentId_raterId_unique" UNIQUE("round_id","resident_id","rater_id"),
	CONSTRAINT "multisource_requests_not_self" CHECK ("multisource_requests"."resident_id" <> "multisource_requests"."rater_id")
);
--> statement-breakpoint
CREATE TABLE "multisource_responses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"request_id" uuid NOT NULL,
	"did_not_work_with" boolean DEFAULT false NOT NULL,
	"comment" text,
	"submitted_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "multisource_responses_requestId_unique" UNIQUE("request_id")
);
--> statement-breakpoint
CREATE TABLE "multisource_rounds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"program_id" uuid NOT NULL,
	"rotation_id" uuid,
	"period_id" uuid,
	"round_key" text NOT NULL,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "multisource_rounds_programId_roundKey_unique" UNIQUE("program_id","round_key")
);
--> statement-breakpoint
CREATE TABLE "outbox_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"idempotency_key" text NOT NULL,
	"kind" text NOT NULL,
	"platform" "platform" NOT NULL,
	"recipient_person_id" uuid,
	"recipient_channel_id" text,
	"message" jsonb NOT NULL,
	"status" "outbox_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"platform_message_id" text,
	"platform_channel_id" text,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "outbox_messages_idempotencyKey_unique" UNIQUE("idempotency_key")
);
--> statement-breakpoint
CREATE TABLE "chat_identities" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"person_id" uuid NOT NULL,
	"platform" "platform" NOT NULL,
	"workspace_id" text NOT NULL,
	"user_id" text NOT NULL,
	"conversation_id" text,
	"service_url" text,
	"confirmed_at" timestamp with time zone,
	CONSTRAINT "chat_identities_platform_workspaceId_userId_unique" UNIQUE("platform","workspace_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "people" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"institution_id" uuid NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "people_institutionId_email_unique" UNIQUE("institution_id","email"),
	CONSTRAINT "people_email_lower" CHECK ("people"."email" = lower("people"."email"))
);
--> statement-breakpoint
CREATE TABLE "program_memberships" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"program_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"role" "program_role" NOT NULL,
	"pgy" integer,
	"rater_role" "rater_role",
	"starts_on" date,
	"ends_on" date,
	"mentor_id" uuid,
	CONSTRAINT "program_memberships_programId_personId_role_unique" UNIQUE("program_id","person_id","role"),
	CONSTRAINT "program_memberships_pgy" CHECK (("program_memberships"."role" in ('resident', 'fellow')) = ("program_memberships"."pgy" is not null) and ("program_memberships"."pgy" is null or "program_memberships"."pgy" between 1 and 7)),
	CONSTRAINT "program_memberships_rater_role" CHECK ("program_memberships"."role" <> 'rater' or "program_memberships"."rater_role" is not null)
);
--> statement-breakpoint
CREATE TABLE "ccc_meetings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"program_id" uuid NOT NULL,
	"meets_on" date NOT NULL,
	"period_id" uuid,
	CONSTRAINT "ccc_meetings_programId_meetsOn_unique" UNIQUE("program_id","meets_on")
);
--> statement-breakpoint
CREATE TABLE "reporting_periods" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"program_id" uuid NOT NULL,
	"academic_year" integer NOT NULL,
	"kind" "period_kind" NOT NULL,
	"code" text NOT NULL,
	"starts_on" date NOT NULL,
	"ends_on" date NOT NULL,
	"self_assessment_opens_on" date,
	CONSTRAINT "reporting_periods_programId_academicYear_kind_unique" UNIQUE("program_id","academic_year","kind"),
	CONSTRAINT "reporting_periods_programId_code_unique" UNIQUE("program_id","code"),
	CONSTRAINT "reporting_periods_dates" CHECK ("reporting_periods"."ends_on" >= "reporting_periods"."starts_on")
);
--> statement-breakpoint
CREATE TABLE "assignment_supervisors" (
	"assignment_id" uuid NOT NULL,
	"faculty_id" uuid NOT NULL,
	CONSTRAINT "assignment_supervisors_assignment_id_faculty_id_pk" PRIMARY KEY("assignment_id","faculty_id")
);
--> statement-breakpoint
CREATE TABLE "rotation_assignments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"rotation_id" uuid NOT NULL,
	"resident_id" uuid NOT NULL,
	"starts_on" date NOT NULL,
	"ends_on" date NOT NULL,
	CONSTRAINT "rotation_assignments_rotationId_residentId_startsOn_unique" UNIQUE("rotation_id","resident_id","starts_on"),
	CONSTRAINT "rotation_assignments_dates" CHECK ("rotation_assignments"."ends_on" >= "rotation_assignments"."starts_on")
);
--> statement-breakpoint
CREATE TABLE "rotation_raters" (
	"rotation_id" uuid NOT NULL,
	"rater_id" uuid NOT NULL,
	CONSTRAINT "rotation_raters_rotation_id_rater_id_pk" PRIMARY KEY("rotation_id","rater_id")
);
--> statement-breakpoint
CREATE TABLE "rotation_subcompetencies" (
	"rotation_id" uuid NOT NULL,
	"subcompetency_id" uuid NOT NULL,
	CONSTRAINT "rotation_subcompetencies_rotation_id_subcompetency_id_pk" PRIMARY KEY("rotation_id","subcompetency_id")
);
--> statement-breakpoint
CREATE TABLE "rotations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"program_id" uuid NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"site" text,
	CONSTRAINT "rotations_programId_code_unique" UNIQUE("program_id","code")
);
--> statement-breakpoint
CREATE TABLE "self_assessment_ratings" (
	"self_assessment_id" uuid NOT NULL,
	"subcompetency_id" uuid NOT NULL,
	"rating" "milestone_rating" NOT NULL,
	CONSTRAINT "self_assessment_ratings_self_assessment_id_subcompetency_id_pk" PRIMARY KEY("self_assessment_id","subcompetency_id"),
	CONSTRAINT "self_assessment_ratings_observed" CHECK ("self_assessment_ratings"."rating" <> 'not_observed')
);
--> statement-breakpoint
CREATE TABLE "self_assessments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"resident_id" uuid NOT NULL,
	"period_id" uuid NOT NULL,
	"status" "self_assessment_status" DEFAULT 'in_progress' NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"submitted_at" timestamp with time zone,
	CONSTRAINT "self_assessments_residentId_periodId_unique" UNIQUE("resident_id","period_id")
);
--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_actor_id_people_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."people"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ccc_ratings" ADD CONSTRAINT "ccc_ratings_resident_id_people_id_fk" FOREIGN KEY ("resident_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ccc_ratings" ADD CONSTRAINT "ccc_ratings_period_id_reporting_periods_id_fk" FOREIGN KEY ("period_id") REFERENCES "public"."reporting_periods"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ccc_ratings" ADD CONSTRAINT "ccc_ratings_subcompetency_id_subcompetencies_id_fk" FOREIGN KEY ("subcompetency_id") REFERENCES "public"."subcompetencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ccc_ratings" ADD CONSTRAINT "ccc_ratings_rated_by_id_people_id_fk" FOREIGN KEY ("rated_by_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluation_declines" ADD CONSTRAINT "evaluation_declines_rotation_assignment_id_rotation_assignments_id_fk" FOREIGN KEY ("rotation_assignment_id") REFERENCES "public"."rotation_assignments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluation_declines" ADD CONSTRAINT "evaluation_declines_faculty_id_people_id_fk" FOREIGN KEY ("faculty_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_entries" ADD CONSTRAINT "feedback_entries_program_id_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."programs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_entries" ADD CONSTRAINT "feedback_entries_resident_id_people_id_fk" FOREIGN KEY ("resident_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_entries" ADD CONSTRAINT "feedback_entries_author_id_people_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_entries" ADD CONSTRAINT "feedback_entries_feedback_request_id_feedback_requests_id_fk" FOREIGN KEY ("feedback_request_id") REFERENCES "public"."feedback_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_entries" ADD CONSTRAINT "feedback_entries_rotation_assignment_id_rotation_assignments_id_fk" FOREIGN KEY ("rotation_assignment_id") REFERENCES "public"."rotation_assignments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_ratings" ADD CONSTRAINT "feedback_ratings_feedback_entry_id_feedback_entries_id_fk" FOREIGN KEY ("feedback_entry_id") REFERENCES "public"."feedback_entries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_ratings" ADD CONSTRAINT "feedback_ratings_subcompetency_id_subcompetencies_id_fk" FOREIGN KEY ("subcompetency_id") REFERENCES "public"."subcompetencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_requests" ADD CONSTRAINT "feedback_requests_program_id_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."programs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_requests" ADD CONSTRAINT "feedback_requests_resident_id_people_id_fk" FOREIGN KEY ("resident_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_requests" ADD CONSTRAINT "feedback_requests_assessor_id_people_id_fk" FOREIGN KEY ("assessor_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feedback_requests" ADD CONSTRAINT "feedback_requests_subcompetency_id_subcompetencies_id_fk" FOREIGN KEY ("subcompetency_id") REFERENCES "public"."subcompetencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "programs" ADD CONSTRAINT "programs_institution_id_institutions_id_fk" FOREIGN KEY ("institution_id") REFERENCES "public"."institutions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_goals" ADD CONSTRAINT "learning_goals_program_id_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."programs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_goals" ADD CONSTRAINT "learning_goals_resident_id_people_id_fk" FOREIGN KEY ("resident_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_goals" ADD CONSTRAINT "learning_goals_subcompetency_id_subcompetencies_id_fk" FOREIGN KEY ("subcompetency_id") REFERENCES "public"."subcompetencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_goals" ADD CONSTRAINT "learning_goals_feedback_entry_id_feedback_entries_id_fk" FOREIGN KEY ("feedback_entry_id") REFERENCES "public"."feedback_entries"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "learning_goals" ADD CONSTRAINT "learning_goals_period_id_reporting_periods_id_fk" FOREIGN KEY ("period_id") REFERENCES "public"."reporting_periods"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "competencies" ADD CONSTRAINT "competencies_milestone_set_id_milestone_sets_id_fk" FOREIGN KEY ("milestone_set_id") REFERENCES "public"."milestone_sets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "level_descriptors" ADD CONSTRAINT "level_descriptors_subcompetency_id_subcompetencies_id_fk" FOREIGN KEY ("subcompetency_id") REFERENCES "public"."subcompetencies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subcompetencies" ADD CONSTRAINT "subcompetencies_milestone_set_id_milestone_sets_id_fk" FOREIGN KEY ("milestone_set_id") REFERENCES "public"."milestone_sets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subcompetencies" ADD CONSTRAINT "subcompetencies_competency_id_competencies_id_fk" FOREIGN KEY ("competency_id") REFERENCES "public"."competencies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "multisource_answers" ADD CONSTRAINT "multisource_answers_response_id_multisource_responses_id_fk" FOREIGN KEY ("response_id") REFERENCES "public"."multisource_responses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "multisource_answers" ADD CONSTRAINT "multisource_answers_item_id_multisource_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."multisource_items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "multisource_instruments" ADD CONSTRAINT "multisource_instruments_program_id_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."programs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "multisource_items" ADD CONSTRAINT "multisource_items_instrument_id_multisource_instruments_id_fk" FOREIGN KEY ("instrument_id") REFERENCES "public"."multisource_instruments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "multisource_requests" ADD CONSTRAINT "multisource_requests_round_id_multisource_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."multisource_rounds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "multisource_requests" ADD CONSTRAINT "multisource_requests_resident_id_people_id_fk" FOREIGN KEY ("resident_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "multisource_requests" ADD CONSTRAINT "multisource_requests_rater_id_people_id_fk" FOREIGN KEY ("rater_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "multisource_requests" ADD CONSTRAINT "multisource_requests_instrument_id_multisource_instruments_id_fk" FOREIGN KEY ("instrument_id") REFERENCES "public"."multisource_instruments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "multisource_responses" ADD CONSTRAINT "multisource_responses_request_id_multisource_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."multisource_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "multisource_rounds" ADD CONSTRAINT "multisource_rounds_program_id_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."programs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "multisource_rounds" ADD CONSTRAINT "multisource_rounds_rotation_id_rotations_id_fk" FOREIGN KEY ("rotation_id") REFERENCES "public"."rotations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "multisource_rounds" ADD CONSTRAINT "multisource_rounds_period_id_reporting_periods_id_fk" FOREIGN KEY ("period_id") REFERENCES "public"."reporting_periods"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox_messages" ADD CONSTRAINT "outbox_messages_recipient_person_id_people_id_fk" FOREIGN KEY ("recipient_person_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_identities" ADD CONSTRAINT "chat_identities_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "people" ADD CONSTRAINT "people_institution_id_institutions_id_fk" FOREIGN KEY ("institution_id") REFERENCES "public"."institutions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "program_memberships" ADD CONSTRAINT "program_memberships_program_id_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."programs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "program_memberships" ADD CONSTRAINT "program_memberships_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "program_memberships" ADD CONSTRAINT "program_memberships_mentor_id_people_id_fk" FOREIGN KEY ("mentor_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ccc_meetings" ADD CONSTRAINT "ccc_meetings_program_id_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."programs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ccc_meetings" ADD CONSTRAINT "ccc_meetings_period_id_reporting_periods_id_fk" FOREIGN KEY ("period_id") REFERENCES "public"."reporting_periods"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reporting_periods" ADD CONSTRAINT "reporting_periods_program_id_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."programs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignment_supervisors" ADD CONSTRAINT "assignment_supervisors_assignment_id_rotation_assignments_id_fk" FOREIGN KEY ("assignment_id") REFERENCES "public"."rotation_assignments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignment_supervisors" ADD CONSTRAINT "assignment_supervisors_faculty_id_people_id_fk" FOREIGN KEY ("faculty_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rotation_assignments" ADD CONSTRAINT "rotation_assignments_rotation_id_rotations_id_fk" FOREIGN KEY ("rotation_id") REFERENCES "public"."rotations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rotation_assignments" ADD CONSTRAINT "rotation_assignments_resident_id_people_id_fk" FOREIGN KEY ("resident_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rotation_raters" ADD CONSTRAINT "rotation_raters_rotation_id_rotations_id_fk" FOREIGN KEY ("rotation_id") REFERENCES "public"."rotations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rotation_raters" ADD CONSTRAINT "rotation_raters_rater_id_people_id_fk" FOREIGN KEY ("rater_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rotation_subcompetencies" ADD CONSTRAINT "rotation_subcompetencies_rotation_id_rotations_id_fk" FOREIGN KEY ("rotation_id") REFERENCES "public"."rotations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rotation_subcompetencies" ADD CONSTRAINT "rotation_subcompetencies_subcompetency_id_subcompetencies_id_fk" FOREIGN KEY ("subcompetency_id") REFERENCES "public"."subcompetencies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rotations" ADD CONSTRAINT "rotations_program_id_programs_id_fk" FOREIGN KEY ("program_id") REFERENCES "public"."programs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "self_assessment_ratings" ADD CONSTRAINT "self_assessment_ratings_self_assessment_id_self_assessments_id_fk" FOREIGN KEY ("self_assessment_id") REFERENCES "public"."self_assessments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "self_assessment_ratings" ADD CONSTRAINT "self_assessment_ratings_subcompetency_id_subcompetencies_id_fk" FOREIGN KEY ("subcompetency_id") REFERENCES "public"."subcompetencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "self_assessments" ADD CONSTRAINT "self_assessments_resident_id_people_id_fk" FOREIGN KEY ("resident_id") REFERENCES "public"."people"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "self_assessments" ADD CONSTRAINT "self_assessments_period_id_reporting_periods_id_fk" FOREIGN KEY ("period_id") REFERENCES "public"."reporting_periods"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_subject" ON "audit_log" USING btree ("subject_type","subject_id");--> statement-breakpoint
CREATE INDEX "outbox_messages_due" ON "outbox_messages" USING btree ("next_attempt_at") WHERE "outbox_messages"."status" = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "chat_identities_person_platform" ON "chat_identities" USING btree ("person_id","platform","workspace_id");