-- One row per person and required course: the stored facts that dashboards, lists, exports and
-- reminders read (src/lib/server/tracking/queries.ts keeps them true in the same transaction as
-- every change; the drift check recomputes them from requirements, assignments and completions).
-- Status is a comparison of these dates with now.
CREATE TABLE "obligations" (
	"user_id" uuid NOT NULL REFERENCES "users"("id"),
	"course_id" uuid NOT NULL REFERENCES "courses"("id"),
	"organisation_id" uuid NOT NULL REFERENCES "organisations"("id"),
	"team_id" uuid REFERENCES "teams"("id"),
	"due_at" timestamptz NOT NULL,
	"renewal_months" integer NOT NULL,
	"completion_id" uuid REFERENCES "completions"("id"),
	"completed_at" timestamptz,
	"expires_at" timestamptz,
	"started" boolean NOT NULL DEFAULT false,
	"requirement_ids" uuid[] NOT NULL DEFAULT '{}',
	"assignment_ids" uuid[] NOT NULL DEFAULT '{}',
	"effective_due" timestamptz GENERATED ALWAYS AS (CASE WHEN "completed_at" IS NOT NULL THEN "expires_at" ELSE "due_at" END) STORED,
	"updated_at" timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT "obligations_pk" PRIMARY KEY ("user_id", "course_id")
);
--> statement-breakpoint
CREATE INDEX "obligations_org_due_idx" ON "obligations" ("organisation_id", (coalesce("effective_due", 'infinity'::timestamptz)), "user_id", "course_id");
--> statement-breakpoint
CREATE INDEX "obligations_due_idx" ON "obligations" ((coalesce("effective_due", 'infinity'::timestamptz)));
--> statement-breakpoint
CREATE INDEX "obligations_course_idx" ON "obligations" ("course_id");
--> statement-breakpoint
CREATE INDEX "obligations_team_idx" ON "obligations" ("team_id");
--> statement-breakpoint
-- Existing installations: the rows as the derivation gives them today.
INSERT INTO "obligations" ("user_id", "course_id", "organisation_id", "team_id", "due_at", "renewal_months", "completion_id", "completed_at", "expires_at", "started", "requirement_ids", "assignment_ids")
WITH people AS (
	SELECT u.id, u.organisation_id, u.team_id, u.audience, u.created_at FROM users u WHERE u.status = 'active'
),
sources AS (
	SELECT p.id AS user_id, p.organisation_id, p.team_id, r.course_id,
		greatest(p.created_at, r.starts_at) + make_interval(days => r.due_within_days) AS due_at,
		coalesce(r.renewal_months, c.validity_months) AS renewal_months, r.id AS requirement_id, NULL::uuid AS assignment_id
	FROM requirements r
	JOIN courses c ON c.id = r.course_id AND c.active
	JOIN people p ON (r.organisation_id IS NULL OR r.organisation_id = p.organisation_id)
		AND (r.team_id IS NULL OR r.team_id = p.team_id) AND (r.audience IS NULL OR r.audience = p.audience)
	WHERE r.retired_at IS NULL
	UNION ALL
	SELECT p.id, p.organisation_id, p.team_id, a.course_id, a.due_at, c.validity_months, NULL, a.id
	FROM assignments a JOIN people p ON p.id = a.user_id JOIN courses c ON c.id = a.course_id AND c.active
	WHERE a.withdrawn_at IS NULL
),
merged AS (
	SELECT user_id, organisation_id, team_id, course_id, min(due_at) AS due_at,
		coalesce(min(nullif(renewal_months, 0)), 0) AS renewal_months,
		coalesce(array_agg(requirement_id ORDER BY requirement_id) FILTER (WHERE requirement_id IS NOT NULL), '{}') AS requirement_ids,
		coalesce(array_agg(assignment_id ORDER BY assignment_id) FILTER (WHERE assignment_id IS NOT NULL), '{}') AS assignment_ids
	FROM sources GROUP BY user_id, organisation_id, team_id, course_id
)
SELECT m.user_id, m.course_id, m.organisation_id, m.team_id, m.due_at, m.renewal_months, l.id, l.completed_at,
	CASE WHEN l.completed_at IS NOT NULL AND m.renewal_months > 0 THEN l.completed_at + make_interval(months => m.renewal_months) END,
	EXISTS (SELECT 1 FROM course_progress cp WHERE cp.user_id = m.user_id AND cp.course_id = m.course_id),
	m.requirement_ids, m.assignment_ids
FROM merged m
LEFT JOIN LATERAL (
	SELECT cm.id, cm.completed_at FROM completions cm
	WHERE cm.user_id = m.user_id AND cm.course_id = m.course_id AND cm.voided_at IS NULL
	ORDER BY cm.completed_at DESC, cm.id DESC LIMIT 1
) l ON true;
--> statement-breakpoint
-- Dashboard counts without reading every row: obligations counted per organisation, team, course,
-- kind (1 open, 2 open and started, 3 completed with an expiry, 4 completed for good) and the
-- month (UTC) of the date that matters (due date, or expiry), kept by the triggers below in the
-- same statement as every change. A dashboard adds up the months before each boundary (now, now +
-- 14/30/60/90 days) and counts the rows of the boundary's own month from the indexes below.
CREATE TABLE "obligation_tally" (
	"organisation_id" uuid NOT NULL,
	"team_id" uuid NOT NULL,
	"course_id" uuid NOT NULL,
	"kind" smallint NOT NULL,
	"month" date NOT NULL,
	"n" integer NOT NULL,
	CONSTRAINT "obligation_tally_pk" PRIMARY KEY ("organisation_id", "team_id", "course_id", "kind", "month")
);
--> statement-breakpoint
-- The same by day (UTC), read only for the days of a boundary's own month.
CREATE TABLE "obligation_day_tally" (
	"organisation_id" uuid NOT NULL,
	"team_id" uuid NOT NULL,
	"course_id" uuid NOT NULL,
	"kind" smallint NOT NULL,
	"day" date NOT NULL,
	"n" integer NOT NULL,
	CONSTRAINT "obligation_day_tally_pk" PRIMARY KEY ("organisation_id", "team_id", "course_id", "kind", "day")
);
--> statement-breakpoint
CREATE INDEX "obligation_day_tally_day_idx" ON "obligation_day_tally" ("organisation_id", "day") INCLUDE ("team_id", "course_id", "kind", "n");
--> statement-breakpoint
-- Covering, so a boundary day's rows are counted from the index alone.
CREATE INDEX "obligations_open_due_idx" ON "obligations" ("organisation_id", "due_at") INCLUDE ("team_id", "course_id", "started") WHERE "completed_at" IS NULL;
--> statement-breakpoint
CREATE INDEX "obligations_done_expiry_idx" ON "obligations" ("organisation_id", "expires_at") INCLUDE ("team_id", "course_id") WHERE "completed_at" IS NOT NULL;
--> statement-breakpoint
CREATE FUNCTION obligations_tally() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	src text;
BEGIN
	IF TG_OP = 'INSERT' THEN
		src := 'SELECT n.organisation_id, n.team_id, n.course_id, n.completed_at, n.started, n.due_at, n.expires_at, 1 AS d FROM new_rows n';
	ELSIF TG_OP = 'DELETE' THEN
		src := 'SELECT o.organisation_id, o.team_id, o.course_id, o.completed_at, o.started, o.due_at, o.expires_at, -1 AS d FROM old_rows o';
	ELSE
		src := 'SELECT n.organisation_id, n.team_id, n.course_id, n.completed_at, n.started, n.due_at, n.expires_at, 1 AS d FROM new_rows n
			UNION ALL SELECT o.organisation_id, o.team_id, o.course_id, o.completed_at, o.started, o.due_at, o.expires_at, -1 FROM old_rows o';
	END IF;
	-- Rows in key order, so concurrent changes lock tally rows in the same order.
	EXECUTE format($q$
		INSERT INTO obligation_tally (organisation_id, team_id, course_id, kind, month, n)
		SELECT organisation_id, team_id, course_id, kind, month, sum(d)::int FROM (
			SELECT r.organisation_id, coalesce(r.team_id, '00000000-0000-0000-0000-000000000000'::uuid) AS team_id, r.course_id,
				(CASE WHEN r.completed_at IS NULL THEN (CASE WHEN r.started THEN 2 ELSE 1 END) WHEN r.expires_at IS NULL THEN 4 ELSE 3 END)::smallint AS kind,
				CASE WHEN r.completed_at IS NULL THEN date_trunc('month', r.due_at AT TIME ZONE 'UTC')::date
					WHEN r.expires_at IS NULL THEN 'infinity'::date
					ELSE date_trunc('month', r.expires_at AT TIME ZONE 'UTC')::date END AS month,
				r.d
			FROM (%s) r
		) x
		GROUP BY organisation_id, team_id, course_id, kind, month
		HAVING sum(d) <> 0
		ORDER BY organisation_id, team_id, course_id, kind, month
		ON CONFLICT (organisation_id, team_id, course_id, kind, month) DO UPDATE SET n = obligation_tally.n + excluded.n
	$q$, src);
	EXECUTE format($q$
		INSERT INTO obligation_day_tally (organisation_id, team_id, course_id, kind, day, n)
		SELECT organisation_id, team_id, course_id, kind, day, sum(d)::int FROM (
			SELECT r.organisation_id, coalesce(r.team_id, '00000000-0000-0000-0000-000000000000'::uuid) AS team_id, r.course_id,
				(CASE WHEN r.completed_at IS NULL THEN (CASE WHEN r.started THEN 2 ELSE 1 END) WHEN r.expires_at IS NULL THEN 4 ELSE 3 END)::smallint AS kind,
				CASE WHEN r.completed_at IS NULL THEN (r.due_at AT TIME ZONE 'UTC')::date
					WHEN r.expires_at IS NULL THEN 'infinity'::date
					ELSE (r.expires_at AT TIME ZONE 'UTC')::date END AS day,
				r.d
			FROM (%s) r
		) x
		GROUP BY organisation_id, team_id, course_id, kind, day
		HAVING sum(d) <> 0
		ORDER BY organisation_id, team_id, course_id, kind, day
		ON CONFLICT (organisation_id, team_id, course_id, kind, day) DO UPDATE SET n = obligation_day_tally.n + excluded.n
	$q$, src);
	RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER obligations_tally_insert AFTER INSERT ON obligations REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION obligations_tally();
--> statement-breakpoint
CREATE TRIGGER obligations_tally_update AFTER UPDATE ON obligations REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION obligations_tally();
--> statement-breakpoint
CREATE TRIGGER obligations_tally_delete AFTER DELETE ON obligations REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION obligations_tally();
--> statement-breakpoint
-- Existing rows (inserted above, before the triggers).
INSERT INTO obligation_tally (organisation_id, team_id, course_id, kind, month, n)
SELECT organisation_id, coalesce(team_id, '00000000-0000-0000-0000-000000000000'::uuid), course_id,
	(CASE WHEN completed_at IS NULL THEN (CASE WHEN started THEN 2 ELSE 1 END) WHEN expires_at IS NULL THEN 4 ELSE 3 END)::smallint,
	CASE WHEN completed_at IS NULL THEN date_trunc('month', due_at AT TIME ZONE 'UTC')::date WHEN expires_at IS NULL THEN 'infinity'::date ELSE date_trunc('month', expires_at AT TIME ZONE 'UTC')::date END,
	count(*)::int
FROM obligations GROUP BY 1, 2, 3, 4, 5;
--> statement-breakpoint
INSERT INTO obligation_day_tally (organisation_id, team_id, course_id, kind, day, n)
SELECT organisation_id, coalesce(team_id, '00000000-0000-0000-0000-000000000000'::uuid), course_id,
	(CASE WHEN completed_at IS NULL THEN (CASE WHEN started THEN 2 ELSE 1 END) WHEN expires_at IS NULL THEN 4 ELSE 3 END)::smallint,
	CASE WHEN completed_at IS NULL THEN (due_at AT TIME ZONE 'UTC')::date WHEN expires_at IS NULL THEN 'infinity'::date ELSE (expires_at AT TIME ZONE 'UTC')::date END,
	count(*)::int
FROM obligations GROUP BY 1, 2, 3, 4, 5;
--> statement-breakpoint
-- Completions per month (UK time) for the partnership's trend, kept by a trigger on completions.
CREATE TABLE "completion_month_tally" ("month" date PRIMARY KEY, "n" integer NOT NULL);
--> statement-breakpoint
CREATE FUNCTION completions_month_tally() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	src text;
BEGIN
	IF TG_OP = 'INSERT' THEN
		src := 'SELECT n.completed_at, 1 AS d FROM new_rows n WHERE n.voided_at IS NULL';
	ELSIF TG_OP = 'DELETE' THEN
		src := 'SELECT o.completed_at, -1 AS d FROM old_rows o WHERE o.voided_at IS NULL';
	ELSE
		src := 'SELECT n.completed_at, 1 AS d FROM new_rows n WHERE n.voided_at IS NULL UNION ALL SELECT o.completed_at, -1 FROM old_rows o WHERE o.voided_at IS NULL';
	END IF;
	EXECUTE format($q$
		INSERT INTO completion_month_tally (month, n)
		SELECT date_trunc('month', completed_at AT TIME ZONE 'Europe/London')::date, sum(d)::int FROM (%s) r
		GROUP BY 1 HAVING sum(d) <> 0 ORDER BY 1
		ON CONFLICT (month) DO UPDATE SET n = completion_month_tally.n + excluded.n
	$q$, src);
	RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER completions_month_tally_insert AFTER INSERT ON completions REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION completions_month_tally();
--> statement-breakpoint
CREATE TRIGGER completions_month_tally_update AFTER UPDATE ON completions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION completions_month_tally();
--> statement-breakpoint
CREATE TRIGGER completions_month_tally_delete AFTER DELETE ON completions REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION completions_month_tally();
--> statement-breakpoint
INSERT INTO completion_month_tally (month, n)
SELECT date_trunc('month', completed_at AT TIME ZONE 'Europe/London')::date, count(*)::int FROM completions WHERE voided_at IS NULL GROUP BY 1;
