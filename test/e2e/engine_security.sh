#!/usr/bin/env bash
# A task runs with its DAG owner's rights, in everything the API can see: a user's task
# that calls realmap's API is that user's call, not the worker's (which connects as the
# bootstrap superuser).  Before the worker set the owner's role too, such a task could
# create a DAG owned by the superuser, add its own function to it and have the worker
# run that as the superuser, or operate anyone's DAGs.
set -uo pipefail
. "$REALMAP_ROOT/test/harness/e2e_lib.sh"
echo "1..6"
e2e_cluster security "realmap.max_workers = 2" || { echo "Bail out! cluster"; exit 1; }
q >/dev/null <<'SQL'
CREATE ROLE sec_alice LOGIN IN ROLE realmap_user;
CREATE SCHEMA sec AUTHORIZATION sec_alice;
GRANT USAGE ON SCHEMA sec TO PUBLIC;
CREATE TABLE public.sec_secret (v text);
INSERT INTO public.sec_secret VALUES ('only the superuser may read this');
REVOKE ALL ON public.sec_secret FROM PUBLIC;
SELECT realmap.create_dag('sec_root');
CREATE FUNCTION public.sec_noop(ctx jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;
SELECT realmap.add_task('sec_root', 'noop', 'public.sec_noop(jsonb)');
SET ROLE sec_alice;
-- what the task sees of itself, and what it tries to do with the API
CREATE FUNCTION sec.probe(ctx jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE out jsonb := jsonb_build_object('current_user', current_user, 'invoker', realmap._invoker());
BEGIN
    BEGIN
        PERFORM realmap.create_dag('sec_escalated');
        out := out || jsonb_build_object('escalated_owner', (SELECT owner FROM realmap.dags WHERE dag_name = 'sec_escalated'));
    EXCEPTION WHEN OTHERS THEN
        out := out || jsonb_build_object('create_error', SQLSTATE);
    END;
    BEGIN
        PERFORM realmap.run('{}', dag => 'sec_root');
        out := out || jsonb_build_object('ran_root', true);
    EXCEPTION WHEN OTHERS THEN
        out := out || jsonb_build_object('run_root_error', SQLSTATE);
    END;
    BEGIN
        PERFORM v FROM public.sec_secret;
        out := out || jsonb_build_object('read_secret', true);
    EXCEPTION WHEN OTHERS THEN
        out := out || jsonb_build_object('read_secret_error', SQLSTATE);
    END;
    RETURN out;
END $$;
SELECT realmap.create_dag('sec_alice');
SELECT realmap.add_task('sec_alice', 'probe', 'sec.probe(jsonb)');
SQL
R=$(psql -X -At -q -U sec_alice -c "SELECT realmap.run('{}', dag => 'sec_alice')")
is "$(q -c "SELECT realmap.wait($R, '60 s')")" succeeded "alice's run ends"
out=$(q -c "SELECT output FROM realmap.task_instances WHERE run_id = $R AND task_name = 'probe'")
echo "# the task saw: $out"
is "$(q -c "SELECT '$out'::jsonb->>'current_user' || '|' || ('$out'::jsonb->>'invoker')")" "sec_alice|sec_alice" \
   "inside the task current_user and the API's caller are both alice, not the worker's superuser"
is "$(q -c "SELECT coalesce('$out'::jsonb->>'escalated_owner', 'error ' || ('$out'::jsonb->>'create_error'))")" "sec_alice" \
   "a DAG the task creates is alice's (a superuser's one would run her functions as superuser)"
is "$(q -c "SELECT '$out'::jsonb->>'run_root_error'")" 42501 "the task cannot start the superuser's DAG"
is "$(q -c "SELECT '$out'::jsonb->>'read_secret_error'")" 42501 "nor read what alice may not"
is "$(q -c "SELECT count(*) FROM realmap.runs WHERE dag_name = 'sec_root'")" 0 "and no run of the superuser's DAG was made"
