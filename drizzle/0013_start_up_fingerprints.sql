-- What start-up last applied from the content folder (partnership seed, course registration), by a
-- hash of the files: an instance starting on unchanged content skips that work.
CREATE TABLE "start_up_fingerprints" (
	"name" text PRIMARY KEY NOT NULL,
	"fingerprint" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
