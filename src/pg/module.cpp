// Module entry: the magic block and _PG_init.
#include "pg/guard.hpp"
#include "pg/pg_headers.hpp"
#include "pg/settings.hpp"
#include "pg/shmem.hpp"
#include "pg/wakeup.hpp"
#include "pg/worker.hpp"

extern "C" {
PG_MODULE_MAGIC;
}

extern "C" void _PG_init(void) {
    // realmap's launcher and shared memory only exist when the library is loaded at
    // server start; a library loaded later (LOAD, CREATE EXTENSION) could serve
    // nothing.  Refuse, as pg_cron does, rather than half-work.
    if (!process_shared_preload_libraries_in_progress)
        ereport(ERROR,
                (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                 errmsg("realmap can only be loaded via shared_preload_libraries"),
                 errhint("Add realmap to shared_preload_libraries in postgresql.conf "
                         "(shared_preload_libraries = 'pg_cron,realmap') and restart the "
                         "server.")));

    realmap::pg::cpp_boundary_void("_PG_init", [] {
        realmap::pg::define_settings();
        realmap::pg::install_shmem_hooks();
        realmap::pg::install_wakeup_callback();
        realmap::pg::install_utility_hook();
        realmap::pg::register_launcher();
    });
}
