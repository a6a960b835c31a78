#include "pg/worker.hpp"

extern "C" {
#include "access/xact.h"
#include "commands/extension.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/latch.h"
#include "utils/snapmgr.h"
}

namespace realmap::pg {

volatile sig_atomic_t got_sigterm = 0;
volatile sig_atomic_t got_sighup = 0;

namespace {

void handle_sigterm(SIGNAL_ARGS) {
    int save_errno = errno;
    got_sigterm = 1;
    SetLatch(MyLatch);
    errno = save_errno;
}

void handle_sighup(SIGNAL_ARGS) {
    int save_errno = errno;
    got_sighup = 1;
    SetLatch(MyLatch);
    errno = save_errno;
}

}  // namespace

void install_worker_signal_handlers() {
    pqsignal(SIGTERM, handle_sigterm);
    pqsignal(SIGHUP, handle_sighup);
    BackgroundWorkerUnblockSignals();
}

void begin_spi_transaction(const char *activity) {
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    SPI_connect();
    PushActiveSnapshot(GetTransactionSnapshot());
    if (activity != nullptr) pgstat_report_activity(STATE_RUNNING, activity);
}

void commit_spi_transaction() {
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
    pgstat_report_stat(false);
    pgstat_report_activity(STATE_IDLE, nullptr);
}

bool realmap_installed() {
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    bool installed = OidIsValid(get_extension_oid("realmap", true));
    CommitTransactionCommand();
    return installed;
}

}  // namespace realmap::pg
