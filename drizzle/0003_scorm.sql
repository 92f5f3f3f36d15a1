CREATE TABLE "scorm_commits" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"launch_id" uuid NOT NULL,
	"registration_id" uuid NOT NULL,
	"item_identifier" text NOT NULL,
	"sequence" bigint NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"transport" text NOT NULL,
	"terminate" boolean DEFAULT false NOT NULL,
	"outcome" text NOT NULL,
	"reported_status" text,
	"completion_status" text,
	"success_status" text,
	"score_raw" double precision,
	"score_scaled" double precision,
	"location" text,
	"session_time" text,
	"exit" text,
	"bytes" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scorm_items" (
	"version_id" uuid NOT NULL,
	"identifier" text NOT NULL,
	"parent_identifier" text,
	"position" integer NOT NULL,
	"depth" integer NOT NULL,
	"title" text NOT NULL,
	"kind" text NOT NULL,
	"is_visible" boolean DEFAULT true NOT NULL,
	"launch_url" text,
	"mastery_score" double precision,
	"completion_threshold" double precision,
	"scaled_passing_score" double precision,
	"data_from_lms" text,
	"max_time_allowed" text,
	"time_limit_action" text,
	"prerequisites" text,
	"sequencing" jsonb,
	CONSTRAINT "scorm_items_version_id_identifier_pk" PRIMARY KEY("version_id","identifier")
);
--> statement-breakpoint
CREATE TABLE "scorm_launches" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"registration_id" uuid NOT NULL,
	"item_identifier" text NOT NULL,
	"token_hash" text NOT NULL,
	"sequence_base" bigint NOT NULL,
	"entry" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_commit_at" timestamp with time zone,
	"session_seconds" double precision,
	"terminated_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "scorm_package_files" (
	"version_id" uuid NOT NULL,
	"path" text NOT NULL,
	"size" bigint NOT NULL,
	"content_type" text NOT NULL,
	CONSTRAINT "scorm_package_files_version_id_path_pk" PRIMARY KEY("version_id","path")
);
--> statement-breakpoint
CREATE TABLE "scorm_package_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"package_id" uuid NOT NULL,
	"number" integer NOT NULL,
	"scorm_version" text NOT NULL,
	"manifest_identifier" text NOT NULL,
	"title" text NOT NULL,
	"organization_identifier" text NOT NULL,
	"sequencing" jsonb,
	"warnings" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"file_name" text NOT NULL,
	"zip_bytes" bigint NOT NULL,
	"total_bytes" bigint NOT NULL,
	"file_count" integer NOT NULL,
	"sha256" text NOT NULL,
	"storage_prefix" text NOT NULL,
	"uploaded_by" uuid,
	"uploaded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scorm_packages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"course_id" uuid NOT NULL,
	"current_version_id" uuid,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "scorm_packages_course_id_unique" UNIQUE("course_id")
);
--> statement-breakpoint
CREATE TABLE "scorm_registrations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"course_id" uuid NOT NULL,
	"package_id" uuid NOT NULL,
	"version_id" uuid NOT NULL,
	"number" integer NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_activity_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	"completion_id" uuid,
	"score_percent" integer
);
--> statement-breakpoint
CREATE TABLE "scorm_runtime" (
	"registration_id" uuid NOT NULL,
	"item_identifier" text NOT NULL,
	"cmi" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"last_sequence" bigint DEFAULT 0 NOT NULL,
	"launch_count" integer DEFAULT 0 NOT NULL,
	"completion_status" text DEFAULT 'not attempted' NOT NULL,
	"success_status" text DEFAULT 'unknown' NOT NULL,
	"reported_status" text,
	"score_raw" double precision,
	"score_min" double precision,
	"score_max" double precision,
	"score_scaled" double precision,
	"location" text,
	"exit" text,
	"total_seconds" double precision DEFAULT 0 NOT NULL,
	"first_launched_at" timestamp with time zone,
	"last_commit_at" timestamp with time zone,
	"satisfied_at" timestamp with time zone,
	CONSTRAINT "scorm_runtime_registration_id_item_identifier_pk" PRIMARY KEY("registration_id","item_identifier")
);
--> statement-breakpoint
CREATE TABLE "scorm_secrets" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"content_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "scorm_commits" ADD CONSTRAINT "scorm_commits_launch_id_scorm_launches_id_fk" FOREIGN KEY ("launch_id") REFERENCES "public"."scorm_launches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scorm_commits" ADD CONSTRAINT "scorm_commits_registration_id_scorm_registrations_id_fk" FOREIGN KEY ("registration_id") REFERENCES "public"."scorm_registrations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scorm_items" ADD CONSTRAINT "scorm_items_version_id_scorm_package_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."scorm_package_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scorm_launches" ADD CONSTRAINT "scorm_launches_registration_id_scorm_registrations_id_fk" FOREIGN KEY ("registration_id") REFERENCES "public"."scorm_registrations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scorm_package_files" ADD CONSTRAINT "scorm_package_files_version_id_scorm_package_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."scorm_package_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scorm_package_versions" ADD CONSTRAINT "scorm_package_versions_package_id_scorm_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."scorm_packages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scorm_package_versions" ADD CONSTRAINT "scorm_package_versions_uploaded_by_users_id_fk" FOREIGN KEY ("uploaded_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scorm_packages" ADD CONSTRAINT "scorm_packages_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scorm_packages" ADD CONSTRAINT "scorm_packages_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scorm_registrations" ADD CONSTRAINT "scorm_registrations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scorm_registrations" ADD CONSTRAINT "scorm_registrations_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scorm_registrations" ADD CONSTRAINT "scorm_registrations_package_id_scorm_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."scorm_packages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scorm_registrations" ADD CONSTRAINT "scorm_registrations_version_id_scorm_package_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."scorm_package_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scorm_registrations" ADD CONSTRAINT "scorm_registrations_completion_id_completions_id_fk" FOREIGN KEY ("completion_id") REFERENCES "public"."completions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scorm_runtime" ADD CONSTRAINT "scorm_runtime_registration_id_scorm_registrations_id_fk" FOREIGN KEY ("registration_id") REFERENCES "public"."scorm_registrations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "scorm_commits_launch_sequence_uq" ON "scorm_commits" USING btree ("launch_id","sequence");--> statement-breakpoint
CREATE INDEX "scorm_commits_runtime_idx" ON "scorm_commits" USING btree ("registration_id","item_identifier","received_at");--> statement-breakpoint
CREATE INDEX "scorm_items_version_pos_idx" ON "scorm_items" USING btree ("version_id","position");--> statement-breakpoint
CREATE INDEX "scorm_launches_runtime_idx" ON "scorm_launches" USING btree ("registration_id","item_identifier","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "scorm_versions_package_number_uq" ON "scorm_package_versions" USING btree ("package_id","number");--> statement-breakpoint
CREATE UNIQUE INDEX "scorm_registrations_user_number_uq" ON "scorm_registrations" USING btree ("user_id","package_id","number");--> statement-breakpoint
CREATE UNIQUE INDEX "scorm_registrations_completion_uq" ON "scorm_registrations" USING btree ("completion_id");--> statement-breakpoint
CREATE INDEX "scorm_registrations_package_idx" ON "scorm_registrations" USING btree ("package_id","last_activity_at");