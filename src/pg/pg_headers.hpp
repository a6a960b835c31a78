// PostgreSQL server headers for realmap's C++ glue.
//
// Include every C++ standard and third-party header BEFORE this file: the server
// headers #define snprintf/printf/strerror to pg_* and ERROR/LOG/WARNING/... to
// integers, which breaks any C++ header parsed after them (pg-cpp-engineering.md P1).
// The server headers have no extern "C" guards of their own.
#pragma once

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
}

// PG15's fmgr.h does not declare _PG_init (PG16 does): without a C-linkage
// declaration a C++ definition is name-mangled and PostgreSQL never calls it (P5).
extern "C" PGDLLEXPORT void _PG_init(void);
