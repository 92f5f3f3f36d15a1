-- More than one route to a requirement (issue 16): other courses that meet a requirement besides its
-- own, and an admin's approval of training recorded from elsewhere as equivalent.
CREATE TABLE "requirement_routes" (
	"requirement_id" uuid NOT NULL REFERENCES "requirements"("id"),
	"course_id" uuid NOT NULL REFERENCES "courses"("id"),
	"added_by" uuid REFERENCES "users"("id"),
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "requirement_routes_pk" PRIMARY KEY ("requirement_id", "course_id")
);
--> statement-breakpoint
CREATE INDEX "requirement_routes_course_idx" ON "requirement_routes" ("course_id");
--> statement-breakpoint
ALTER TABLE "requirements" ADD COLUMN "external_needs_approval" boolean DEFAULT false NOT NULL;
--> statement-breakpoint
ALTER TABLE "completions" ADD COLUMN "approved_at" timestamp with time zone;
--> statement-breakpoint
ALTER TABLE "completions" ADD COLUMN "approved_by" uuid REFERENCES "users"("id");
--> statement-breakpoint
-- Training recorded from elsewhere by a partnership admin was vouched for by an admin already.
UPDATE "completions" c SET "approved_at" = c."created_at", "approved_by" = c."recorded_by"
FROM "users" u WHERE c."source" = 'external' AND u."id" = c."recorded_by" AND u."is_admin";
