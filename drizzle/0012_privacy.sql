ALTER TABLE "partnership" ADD COLUMN "privacy" jsonb;
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "anonymised_at" timestamp with time zone;
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "restricted_at" timestamp with time zone;
--> statement-breakpoint
ALTER TABLE "certificates" ADD COLUMN "name_withheld_at" timestamp with time zone;
--> statement-breakpoint
ALTER TABLE "assessment_attempts" ADD COLUMN "detail_removed_at" timestamp with time zone;
--> statement-breakpoint
CREATE TABLE "retention_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"as_of" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"report" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE INDEX "retention_runs_started_idx" ON "retention_runs" USING btree ("started_at");
