# realmap: PGXS build of record.
#
#   make                      build realmap.so
#   make install              install into the PostgreSQL found by pg_config (as root)
#   make test                 the whole suite: deps, build, unit tests, throw-away cluster,
#                             pg_regress, pgTAP, end-to-end; ends with "N passed, N failed"
#   make demo                 a throw-away cluster left running with realmap in database realmap
#   make demo-stop            stop it
#   make bench                the benchmarks under test/bench/ (long; not part of make test)
#   make fuzz                 the libFuzzer targets (test/fuzz/; make test runs them too)
#   make installcheck         pg_regress against a running server you set up (PGHOST, PGPORT)

PG_CONFIG ?= $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) pg_config)

EXTENSION  = realmap
MODULE_big = realmap
REALMAP_VERSION := $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" realmap.control)
# The extension script is made from its parts in sql/src/ (one concern each), in name
# order; upgrade scripts (realmap--A--B.sql) are written by hand, and the scripts of
# released versions (realmap--0.1.0.sql) are frozen, tracked copies that make clean keeps.
EXTENSION_SCRIPT = sql/realmap--$(REALMAP_VERSION).sql
DATA       = $(EXTENSION_SCRIPT) $(filter-out $(EXTENSION_SCRIPT),$(wildcard sql/realmap--*.sql))

# Source files are found, not listed: one concern per file, names unique across src/
# (PGXS keys its .deps files by basename).
SRCS = $(wildcard src/core/*.cpp src/core/*/*.cpp src/net/*.cpp src/pg/*.cpp)
OBJS = $(SRCS:.cpp=.o)

# pg_regress: inputs in sql/ (other than the extension scripts), expected output in expected/.
REGRESS = $(sort $(basename $(notdir $(filter-out sql/realmap--%,$(wildcard sql/*.sql)))))
REGRESS_OPTS = --inputdir=. --outputdir=$(or $(REGRESS_OUTDIR),test/regress_out)

PG_CPPFLAGS = -Isrc -DREALMAP_VERSION='"$(REALMAP_VERSION)"'
# PG15's PGDLLEXPORT is empty, and with -fvisibility=hidden the fmgr symbols would be
# hidden ("missing magic block"); c.h defines it only #ifndef (pg-cpp-engineering.md P6).
PG_CPPFLAGS += '-DPGDLLEXPORT=__attribute__((visibility("default")))'
PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Wno-unused-parameter -Wno-register \
              -Wno-missing-field-initializers -fvisibility=hidden -fvisibility-inlines-hidden
# PGXS links with gcc: -lstdc++ is needed (P4).  The version script exports only what
# PostgreSQL looks up with dlsym (P6): modules are loaded RTLD_GLOBAL into one process.
SHLIB_LINK = -lcurl -lgumbo -lstdc++ -Wl,--version-script=$(CURDIR)/exports.map
# Skip LLVM bitcode: PGXS compiles it without PG_CXXFLAGS (P3); it only serves JIT inlining.
override with_llvm = no
# Rebuild objects when a header changes (P9).
override autodepend = yes
EXTRA_CLEAN = $(EXTENSION_SCRIPT) .deps src/*/.deps src/*/*/.deps test/regress_out build

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# No debug info unless asked for (make DEBUG=1): it makes the heavy translation units
# (nlohmann::json, gumbo walks) take half as long again to compile, and no test reads it.
ifndef DEBUG
override CFLAGS := $(filter-out -g,$(CFLAGS))
override CXXFLAGS := $(filter-out -g,$(CXXFLAGS))
endif

$(OBJS): realmap.control

all: $(EXTENSION_SCRIPT)

# The pure core as a static library, from the same objects realmap.so is linked from:
# `make test` builds the GoogleTest suite against it instead of compiling the core a
# second time (CMake's REALMAP_PREBUILT_CORE).
CORE_OBJS = $(filter src/core/% src/net/%,$(OBJS))
core-lib: build/pgxs/librealmap_core.a
build/pgxs/librealmap_core.a: $(CORE_OBJS)
	@mkdir -p build/pgxs
	rm -f $@ && ar rcs $@ $^
$(EXTENSION_SCRIPT): $(sort $(wildcard sql/src/*.sql))
	awk 'FNR == 1 && NR > 1 { print "" } { print }' $^ > $@

.PHONY: test demo demo-stop bench unit fuzz print-regress core-lib
test:
	bash test/harness/run_tests.sh
demo:
	bash test/harness/demo.sh
demo-stop:
	bash test/harness/demo.sh stop
bench:
	bash test/bench/run.sh
# the libFuzzer targets alone (make test runs them too): FUZZ_SECONDS per target
fuzz:
	bash test/fuzz/run.sh $${FUZZ_SECONDS:-60}
# the pure C++ core's GoogleTest suite alone (no server)
unit:
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j$$(nproc)
	ctest --test-dir build --output-on-failure
# used by the harness: the pg_regress test names
print-regress:
	@echo $(REGRESS)
