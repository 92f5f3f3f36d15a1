-- Instances keep recently validated sessions in memory (src/lib/server/auth/session-cache.ts).
-- Anything that can end a session or change what it grants (the columns a session carries) tells
-- every instance at commit.
CREATE FUNCTION notify_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('auth_changed', TG_TABLE_NAME);
	RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER sessions_auth_changed AFTER DELETE OR TRUNCATE ON sessions FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed();
--> statement-breakpoint
CREATE TRIGGER users_auth_changed AFTER UPDATE OF name, email, organisation_id, team_id, audience, is_admin, status OR DELETE OR TRUNCATE ON users FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed();
--> statement-breakpoint
CREATE TRIGGER manager_organisations_auth_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON manager_organisations FOR EACH STATEMENT EXECUTE FUNCTION notify_auth_changed();
