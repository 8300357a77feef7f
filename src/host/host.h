/* host.h: the thin layer between the portable core and the operating system.
 *
 * src/host/win/ implements it with Win32 for the product; src/host/posix/
 * implements it as a simulation for development and tests (see
 * docs/testing.md). The core never includes an OS header itself.
 */
#ifndef MSIQ_HOST_H
#define MSIQ_HOST_H

#include <stdio.h>

#include <uv.h>

#include "core/gate.h"
#include "core/admission.h"
#include "core/installer_command.h"
#include "core/installer_holder.h"
#include "core/msiq.h"
#include "core/package_info.h"
#include "core/path_safety.h"
#include "core/sha256.h"

/* True in a build configured with MSIQ_TEST_SETTINGS=ON, which honours
 * the test-only settings MSIQ_INSTALLER, MSIQ_INSTALLER_SERVICE and
 * MSIQ_SIM_* (docs/testing.md); false in a release build, which reads none
 * of them. */
bool msiq_host_test_settings(void);

/* Process set-up: on Windows, the command line as UTF-8 (main's argv is in
 * the ANSI code page there) and a UTF-8 console; on POSIX, argv as it is.
 * The returned array lives until the process exits. */
int msiq_host_main_arguments(int argc, char **argv, char ***utf8_argv);

/* The process's command line from argv[first] on, as UTF-8 text for
 * `exec` to split by msiexec's rules (core/msiexec_words.h). argc and argv
 * are the whole process's (argv[0] the program). On Windows it is the raw
 * text of GetCommandLineW() after the first `first` words, so that what
 * msiexec would read (`INSTALLDIR="C:\App\" /qn`) reaches exec
 * unchanged by the C runtime's backslash rules; when that line does not
 * hold argv's first words (a caller that runs the tool in-process), and
 * on POSIX, where the shell has already split the line, it is
 * argv[first..] joined back with msiexec's quoting. *tail is free()d by
 * the caller. */
int msiq_host_command_line_tail(int argc, char **argv, int first, char **tail,
                                msiq_diag *diag);

/* An environment variable as UTF-8 in buffer; false when unset or empty. */
bool msiq_host_getenv(const char *name, char *buffer, size_t size);

/* Converts text in the ANSI code page (what Windows programs write when
 * they write neither UTF-8 nor UTF-16, msiexec's logs among them) to
 * NUL-terminated UTF-8 (free() *utf8), NUL bytes dropped. Windows: the
 * system's ANSI code page (MultiByteToWideChar with CP_ACP); simulation:
 * Windows-1252, the code page of Western Windows. */
int msiq_host_text_from_ansi(const char *bytes, size_t length, char **utf8,
                             msiq_diag *diag);

/* fopen() for a UTF-8 path. */
FILE *msiq_host_fopen(const char *path, const char *mode);

/* Current UTC time in milliseconds since the Unix epoch (wall clock; used
 * only for timestamps stored in the queue, never for timers). */
int64_t msiq_host_now_ms(void);

/* Milliseconds on a clock that only moves forward at a steady pace, from
 * an arbitrary start (never stored; for measuring how long something took,
 * such as one batch of `purge`). */
int64_t msiq_host_monotonic_ms(void);

/* Writes the default database path into buffer: %ProgramData%\msiq\queue.db
 * on Windows; on POSIX /var/lib/msiq/queue.db for root and
 * $XDG_STATE_HOME/msiq/queue.db (default ~/.local/state) for other users. */
int msiq_host_default_database_path(char *buffer, size_t size, msiq_diag *diag);

/* Creates the directory that will hold path (and its parents). On Windows the
 * directory gets an ACL that admits only SYSTEM and Administrators. */
int msiq_host_prepare_database_directory(const char *database_path,
                                         msiq_diag *diag);

/* Makes a path absolute against the current directory (free() the
 * result). Jobs run later, from the dispatcher's directory, so a relative
 * package or log path must be fixed at enqueue time. The file need not
 * exist (a share may be offline). */
int msiq_host_absolute_path(const char *path, char **absolute, msiq_diag *diag);

/* A hint appended to "access denied" errors: on Windows "run as
 * administrator" when the process is not elevated, on POSIX a reminder of
 * the file's owner and mode. Never NULL. */
const char *msiq_host_permission_hint(void);

/* Like sshd's StrictModes: MSIQ_EINSECURE unless everything the queue at
 * database_path is made of can be changed only by administrators. The
 * dispatcher runs whatever the queue says, so a queue others can write is a
 * way in. Checked, with the first problem named in diag:
 *   - the database file and its -wal and -shm files, those that exist:
 *     each a regular file, not a symbolic link (Windows: not a reparse
 *     point), that nobody else may write;
 *   - the directory that holds them, which nobody else may write (or they
 *     could create a -wal of their own before the dispatcher does);
 *   - every directory above it up to the root, which nobody else may use to
 *     replace what is inside; a directory reached through a symbolic link
 *     (a junction) is checked both as the link and as its target.
 * POSIX: owned by root or the current user and not writable by group or
 * others (a parent may be, when it is sticky and so lets nobody rename what
 * is not theirs, like /tmp). Windows: the owner is SYSTEM, Administrators,
 * TrustedInstaller or the current user, there is an access list, and no
 * allow entry lets another account write (a parent: delete children,
 * delete or rename itself, or change its access list or owner).
 * When the database or its directory does not exist yet, the part of the
 * path that exists is checked; msiq creates the rest private. */
int msiq_host_check_private(const char *database_path, msiq_diag *diag);

/* True when a regular file exists at path (UTF-8). */
bool msiq_host_file_exists(const char *path);

/* Whether the installer could be started with this msiexec-style command
 * (core/installer_command.h) as a stand-in is started: on Windows as one
 * command line, which CreateProcess takes up to 32,767 UTF-16 characters
 * long with its terminating NUL; on POSIX as an argument vector, which
 * with the environment may take ARG_MAX bytes (on Linux also at most 6 MiB,
 * and 128 KiB for one argument). MSIQ_EINVAL, with the size and the limit
 * in diag, when it could not. The program counted is $MSIQ_INSTALLER when
 * set, else this msiq (Windows) or "msiexec" (POSIX); on POSIX the
 * environment counted is this process's, as the dispatcher's is not known
 * at enqueue. Admission calls it, so a job that could never start is
 * refused at enqueue. */
int msiq_host_installer_command_check(const msiq_installer_command *command,
                                      msiq_diag *diag);

/* Opens the Windows Installer package at path (UTF-8) read-only, as a
 * patch (.msp) when patch is set, and reads what core/package_info.h
 * holds: a product's Property table (ProductCode, ProductName,
 * ProductVersion, Manufacturer, UpgradeCode, ALLUSERS, MSIINSTALLPERUSER)
 * and summary Template (platform; languages); a patch's summary Template
 * (its target product codes), Revision Number (its code) and display name
 * (MsiPatchMetadata, else the summary's Subject). Windows: msi.dll
 * (MsiOpenDatabaseW with MSIDBOPEN_READONLY, plus MSIDBOPEN_PATCHFILE for a
 * patch; MsiGetSummaryInformationW); POSIX: libmsi, loaded at the first
 * read (MSIQ_EHOST naming it when it cannot be). MSIQ_ENOT_PACKAGE with
 * the reason in diag when the file is not such a package (not an OLE
 * compound file, or the installer cannot open it), MSIQ_EIO when it cannot
 * be read. The caller checks what was read (msiq_package_info_check). */
int msiq_host_package_read(const char *path, bool patch,
                           msiq_package_info *info, msiq_diag *diag);

/* Asks the machine whether the product with this code (a braced GUID) is
 * installed, right before a job starts (the skip rules in
 * core/decision.h). *known is false when this host cannot tell, and the
 * job then runs as it always did; else *version is the installed
 * product's version (free() it), or NULL when the product is not
 * installed. Windows: MsiQueryProductStateW says INSTALLSTATE_DEFAULT,
 * then MsiGetProductInfoExW's VersionString for the machine context (the
 * dispatcher installs per-machine), else for any context. Simulation: the
 * folder named by the test setting MSIQ_SIM_PRODUCTS_DIR holds one file
 * per installed product, named by its code, whose first line is its
 * version (the lines after it name applied patches); without that setting
 * the answer is "cannot tell". */
int msiq_host_product_installed_version(const char *product_code, bool *known,
                                        char **version, msiq_diag *diag);

/* Asks the machine which products are installed with this UpgradeCode (a
 * braced GUID), right before a related uninstall starts (core/decision.h).
 * *known is false when this host cannot tell, and the job then runs (the
 * worker looks them up itself); else *product_codes is their product
 * codes separated by ';' (free() it), or NULL when none is installed.
 * Windows: MsiEnumRelatedProductsW, as the worker calls it;
 * simulation: the products in MSIQ_SIM_PRODUCTS_DIR whose file
 * CODE.upgrade-code, beside the product's own, holds this UpgradeCode
 * (written by msiq_host_product_note_result); without that setting the
 * answer is "cannot tell". */
int msiq_host_related_products(const char *upgrade_code, bool *known,
                               char **product_codes, msiq_diag *diag);

/* Asks the machine whether the patch with this patch code is applied to
 * the installed product with this product code (both braced GUIDs), right
 * before a patch job starts (the patch rules in core/decision.h). *known is
 * false when this host cannot tell, and the job then runs as it always
 * did; else *applied says. Windows: MsiGetPatchInfoExW(patch, product,
 * NULL, MSIINSTALLCONTEXT_MACHINE, INSTALLPROPERTY_PATCHSTATE) answers
 * MSIPATCHSTATE_APPLIED (1); ERROR_UNKNOWN_PATCH or ERROR_UNKNOWN_PRODUCT
 * is "not applied", any other error MSIQ_EIO with the code in diag.
 * Simulation: the product's file in MSIQ_SIM_PRODUCTS_DIR names the patch
 * code on one of the lines after its first (its version). */
int msiq_host_patch_applied(const char *patch_code, const char *product_code,
                            bool *known, bool *applied, msiq_diag *diag);

/* Tells the simulation that a patch job succeeded: the patch code is
 * recorded against product_code when that product is installed (a line
 * added to its file in MSIQ_SIM_PRODUCTS_DIR, once), and a product that
 * is not installed stays so. Windows Installer keeps its own record, so on
 * Windows this does nothing. */
void msiq_host_patch_note_applied(const char *patch_code,
                                  const char *product_code);

/* Tells the simulation that an unpatch job succeeded: the patch code's
 * line is removed from product_code's file in MSIQ_SIM_PRODUCTS_DIR (the
 * product and its other patches stay). Windows Installer keeps its own
 * record, so on Windows this does nothing. */
void msiq_host_patch_note_removed(const char *patch_code,
                                  const char *product_code);

/* Tells the simulation that a job which installed (version set) or
 * removed (version NULL) a product succeeded, so that the next job sees
 * it: the file in MSIQ_SIM_PRODUCTS_DIR is written or removed (an install
 * at the version already recorded keeps the patches recorded with it, as
 * a reinstall keeps them on Windows; another version forgets them, as a
 * patch belongs to the version it was made for), and with it the file
 * CODE.upgrade-code that holds an installed product's upgrade_code (NULL:
 * the package names none). Windows Installer keeps its own record, so on
 * Windows this does nothing. */
void msiq_host_product_note_result(const char *product_code,
                                   const char *version,
                                   const char *upgrade_code);

/* The services above and msiq_host_check_path, as job admission takes
 * them (core/admission.h); every caller that admits a job for real passes
 * this. */
extern const msiq_admission_host msiq_host_admission;

/* Judges whether anyone but an administrator (or the account msiq runs
 * as) can change what path names, as core/path_safety.h says, from what is
 * on disk now: each component from the root down (POSIX: lstat's owner and
 * mode; Windows: the attributes, owner and DACL, also on a share).
 * MSIQ_EINSECURE with the message when someone else can; MSIQ_EIO when a
 * component cannot be looked at. path must be absolute. */
int msiq_host_check_path(const char *path, msiq_path_role role,
                         msiq_diag *diag);

/* The SHA-256 of the file at path as 64 lowercase hexadecimal digits
 * (Windows: BCrypt; POSIX: core/sha256.h). */
int msiq_host_file_sha256(const char *path, char hex[MSIQ_SHA256_HEX_SIZE],
                          msiq_diag *diag);

/* Copies the file `source` into `directory` (made, private, if missing)
 * under a new name that ends in the source's own file name, never
 * replacing a file, and flushes it to disk. *staged receives the copy's
 * path (free() it) and hex the SHA-256 of what was written, computed
 * while copying, so it is the copy's whatever the source did meanwhile.
 * The copy is judged as a package (msiq_host_check_path) before this
 * returns, and removed again when that or anything else fails. */
int msiq_host_stage_file(const char *source, const char *directory,
                         char **staged, char hex[MSIQ_SHA256_HEX_SIZE],
                         msiq_diag *diag);

/* Makes the directory path (and its parents), private like the database's. */
int msiq_host_make_directory(const char *path, msiq_diag *diag);

/* Gives the file `from` the name `to` only if nothing has that name yet, in
 * one step no other process can come between (POSIX link(), Windows
 * MoveFileEx without MOVEFILE_REPLACE_EXISTING); `from` is gone afterwards
 * either way. *existed is set when `to` was already there, which is not an
 * error. Both names are in the same directory. When this returns MSIQ_OK
 * the change is on disk: POSIX syncs the directory after the link() and
 * unlink(), Windows moves with MOVEFILE_WRITE_THROUGH. */
int msiq_host_move_file_if_absent(const char *from, const char *to,
                                  bool *existed, msiq_diag *diag);

/* A log file that rotates (host_log.c): lines are appended, each flushed
 * at once; before a line that would take the file past
 * MSIQ_HOST_LOG_LIMIT_BYTES it is renamed PATH.1 (PATH.1 to PATH.2, and
 * so on, keeping MSIQ_HOST_LOG_GENERATIONS; the oldest is deleted) and a
 * new PATH is started. Builds with test settings take the limit from
 * MSIQ_SERVICE_LOG_LIMIT (bytes) when it is set. */
#define MSIQ_HOST_LOG_LIMIT_BYTES (INT64_C(10) * 1024 * 1024)
#define MSIQ_HOST_LOG_GENERATIONS 3
typedef struct msiq_host_log msiq_host_log;
int msiq_host_log_open(const char *path, msiq_host_log **log, msiq_diag *diag);
/* Appends line and a line feed; NULL log: nothing. A write that fails is
 * dropped (a log must not stop the service). */
void msiq_host_log_write_line(msiq_host_log *log, const char *line);
void msiq_host_log_close(msiq_host_log *log);

/* Deletes the file at path (UTF-8), if it is there. */
void msiq_host_remove_file(const char *path);
/* The same, saying why when the file is there and cannot be deleted (in
 * use, access denied): MSIQ_OK when it is gone or was never there, else a
 * status and the reason naming path. */
int msiq_host_delete_file(const char *path, msiq_diag *diag);

/* Calls visit(context, name) for each entry of directory (not "." and
 * ".."), in no particular order. */
int msiq_host_list_directory(const char *directory,
                             void (*visit)(void *context, const char *name),
                             void *context, msiq_diag *diag);

/* A claim on a temporary file: the file is created new and locked until
 * msiq_host_claim_release(), or until the process dies (the OS releases
 * the lock then), so that msiq_host_remove_unclaimed() in another process
 * can tell a temporary file still in use from one a killed process left. */
typedef struct msiq_host_claim msiq_host_claim;

/* Creates the empty file at path and claims it. When something already has
 * that name (or another process removed it at once), returns MSIQ_OK with
 * *claim NULL: try another name. */
int msiq_host_claim_create(const char *path, msiq_host_claim **claim,
                           msiq_diag *diag);
/* Gives the claim up; the file stays. On POSIX this closes a descriptor of
 * the file, which drops this process's fcntl() locks on it: SQLite must not
 * have it open then. */
void msiq_host_claim_release(msiq_host_claim *claim);
/* Deletes the file at path unless a live process claims it; true when it
 * was deleted. */
bool msiq_host_remove_unclaimed(const char *path);

/* Which file a path names: device and inode on POSIX, volume serial number
 * and file index on Windows. Equal identities: the same file. */
typedef struct msiq_host_file_identity {
  uint64_t volume;
  uint64_t file;
} msiq_host_file_identity;

/* MSIQ_EMISSING when nothing has that name now. */
int msiq_host_file_identify(const char *path, msiq_host_file_identity *identity,
                            msiq_diag *diag);

/* From now on, a fault on a memory-mapped file ends the process with
 * exit_code after writing message (one line) to standard error, instead of
 * a crash. SQLite maps the queue's -shm file, and on POSIX a write to a
 * page of it raises SIGBUS when the file was made immutable, truncated, or
 * its disk is full; Windows raises EXCEPTION_IN_PAGE_ERROR when the file's
 * disk fails. A later call replaces the message. */
void msiq_host_exit_on_mapping_fault(const char *message, int exit_code);

/* The gate: Windows Installer must be free before a job starts. The states
 * below (msiq_mutex_state, msiq_service_state) are declared in core/gate.h,
 * which decides the gate from them. */

/* Looks at the Global\_MSIExecute mutex without ever owning it (Windows:
 * NtQueryMutant on a handle opened for MUTANT_QUERY_STATE only; simulation:
 * F_OFD_GETLK on the file named by MSIQ_SIM_MUTEX). Windows Installer keeps
 * the mutex for a whole transaction and takes it again between the
 * sequences of a chained installation, so a probe that acquired it, even
 * for an instant, could make that installation fail with 1618. Never
 * blocks. */
msiq_mutex_state msiq_host_installer_mutex_state(void);

/* Probes the msiserver service (simulation: the word in the file named by
 * MSIQ_SIM_SERVICE). Never blocks for long. */
msiq_service_state msiq_host_installer_service_state(void);

/* Who holds the installer, where Windows lets us see it: the newest
 * MsiInstaller 1040 ("Beginning a Windows Installer transaction") of the
 * last hour in the Application log without a later 1042 of the same
 * client process (EvtQuery; wevtapi.dll is loaded when called, and a
 * missing or stub one, as under Wine, just teaches nothing), its process's
 * command line when it can be read; else the first running msiexec.exe
 * other than the service's own `msiexec.exe /V`, with its command line
 * (read from the process's PEB). The simulation reads the file
 * MSIQ_SIM_MUTEX.holder, beside the mutex's lock file: recorded event XML
 * (newest first), or one line "PID COMMAND LINE" for a process
 * (docs/testing.md). Returns true and fills *out when something was
 * learned, else false with *out zeroed. Costs an event log query and a
 * process list: call it only when the mutex or the service has closed the
 * gate. Never blocks for long. */
bool msiq_host_find_installer_holder(msiq_installer_holder *out);

/* The one-dispatcher-per-database lock: an exclusive lock on
 * DATABASE.dispatcher.lock, released by the OS when the process dies. */
typedef struct msiq_host_lock msiq_host_lock;

/* MSIQ_EDISPATCHER_RUNNING when another process holds it. */
int msiq_host_lock_acquire(const char *database_path, msiq_host_lock **lock,
                           msiq_diag *diag);
/* True when an ancestor of this process is msiexec.exe: msiq was started
 * from inside an installation (a custom action), where waiting for the
 * installer would mean waiting for itself. On Windows the parent chain is
 * walked in a snapshot of the processes (at most 64 steps, stopping at a
 * parent that started after its child: its id was reused). The POSIX
 * simulation reads the test setting MSIQ_SIM_INSIDE_INSTALLATION (its
 * value names the ancestor). *ancestor receives the ancestor's program
 * name and process id, for the message. */
bool msiq_host_inside_installation(char *ancestor, size_t size);

/* True when some process holds the lock now (for `status`). */
bool msiq_host_lock_is_held(const char *database_path);
void msiq_host_lock_release(msiq_host_lock *lock);

/* The running dispatcher's note for `status`: one line in
 * DATABASE.dispatcher.note, beside the lock, replaced whole in one step (a
 * temporary file renamed over it), so a reader sees the old line or the
 * new one. text NULL removes it. The dispatcher writes it when it cannot
 * record an outcome (docs/reliability.md, "Outcomes that cannot be
 * recorded"); `status` shows it while the dispatcher lock is held. */
int msiq_host_dispatcher_note_write(const char *database_path, const char *text,
                                    msiq_diag *diag);
/* The note's line (without its line end) in buffer; false when there is
 * none. */
bool msiq_host_dispatcher_note_read(const char *database_path, char *buffer,
                                    size_t size);

/* The queue's doorbell (docs/dispatcher.md, "How the dispatcher notices
 * work"): whoever commits a change to the queue rings it, and the
 * dispatcher and every `msiq wait` listening wake at once instead of at
 * their next poll. A ring that finds nobody listening is not an error, and
 * a ring never blocks. Several listeners all wake on one ring.
 *
 * POSIX: the file DATABASE.doorbell beside the database, which the
 * dispatcher creates (0600); a ring writes one byte to it and every
 * listener's inotify watch (libuv's uv_fs_event) fires. The file is used
 * only when it is a regular file (never through a symbolic link, O_NOFOLLOW;
 * never a FIFO or device, O_NONBLOCK and a check of the descriptor), owned
 * by root or this user and writable by nobody else.
 * Windows: a manual-reset named event, Global\msiq-doorbell-<SHA-256 of the
 * lower-cased absolute database path>, that the dispatcher creates with an
 * access list for SYSTEM and Administrators only; a ring opens it for
 * EVENT_MODIFY_STATE and sets it; the dispatcher's listener resets it, and
 * other listeners wake at most four times a second while it stays set. */
typedef struct msiq_host_doorbell msiq_host_doorbell;

/* Rings the doorbell of the queue at database_path: nothing happens (and
 * nothing is reported) when there is none or it is not safe to use. */
void msiq_host_doorbell_ring(const char *database_path);

/* Listens on loop: on_ring(data) runs on the loop after a ring (several
 * rings close together may come as one call). create: the dispatcher's
 * listener, which makes the doorbell when it is missing and refuses one
 * that is not safe (MSIQ_EINSECURE); otherwise a waiter's, MSIQ_EMISSING
 * when no dispatcher made one yet and MSIQ_EINSECURE when it is not safe
 * (a waiter then polls). */
int msiq_host_doorbell_listen(uv_loop_t *loop, const char *database_path,
                              bool create, void (*on_ring)(void *data),
                              void *data, msiq_host_doorbell **doorbell,
                              msiq_diag *diag);

/* Stops listening; its handles are closed on the loop, so the loop must run
 * once more (uv_run) before it is closed. NULL is allowed. */
void msiq_host_doorbell_close(msiq_host_doorbell *doorbell);

/* How long a database connection waits for another writer before it gives
 * up: default_ms, except that the simulation host takes the milliseconds
 * in MSIQ_SIM_BUSY_TIMEOUT_MS when that is set (so that a test holds the
 * write lock past the timeout in seconds, not half a minute). */
int msiq_host_busy_timeout_ms(int default_ms);

/* The installer process. */

/* What runs a job. */
typedef enum msiq_installer_kind {
  /* $MSIQ_INSTALLER: a stand-in program (tests, the simulation, or any
   * msiexec-like program). It gets the msiexec-style arguments and the
   * worker's request on its standard input; one that never says `hello`
   * speaks no protocol and is judged by its exit code alone. */
  MSIQ_INSTALLER_STAND_IN,
  /* msiq itself in its worker mode (`msiq --worker`, Windows only), which
   * reads the request on standard input and drives msi.dll. */
  MSIQ_INSTALLER_WORKER,
} msiq_installer_kind;

/* Writes the program that runs each job: $MSIQ_INSTALLER if set (in a
 * test build only, see msiq_host_test_settings()), else on Windows this
 * msiq.exe (run as `msiq --worker`). The simulation host has no worker, so
 * there MSIQ_INSTALLER is required, and a release build of it runs no job.
 * *kind (when not NULL) says which of the two it is. */
int msiq_host_installer_program(char *buffer, size_t size,
                                msiq_installer_kind *kind, msiq_diag *diag);

typedef struct msiq_installer msiq_installer;

/* Called once when the installer has exited and everything it wrote to
 * its standard output has been delivered (or, if a process it started
 * still holds that pipe open, a short while after the exit); exit_code is
 * the full 32-bit code (or 128 + signal number on POSIX). */
typedef void (*msiq_installer_exit_cb)(msiq_installer *installer,
                                       int64_t exit_code, void *data);

/* Called with each piece of the installer's standard output, as the pipe
 * delivered it (not split into lines). */
typedef void (*msiq_installer_output_cb)(msiq_installer *installer,
                                         const char *bytes, size_t count,
                                         void *data);

typedef struct msiq_installer_start_options {
  const char *program;
  msiq_installer_kind kind;
  /* The msiexec-style arguments a stand-in gets (unused for the worker,
   * whose only argument is --worker). */
  const msiq_installer_command *command;
  /* Written to the installer's standard input once it is in its group
   * (on Windows: after it joined its Job Object), so a worker that waits
   * for the request does nothing before that. The input stays open
   * afterwards, for msiq_host_installer_send(). */
  const char *request;
  size_t request_length;
  msiq_installer_exit_cb on_exit;
  msiq_installer_output_cb on_output; /* may be NULL */
  void *data;
} msiq_installer_start_options;

/* Starts the installer on loop, detached from the dispatcher's console and
 * signals (a dispatcher stop never kills it), in a group that
 * msiq_host_installer_stop_tree() can end as a whole (a process group on
 * POSIX, a Job Object on Windows), with a pipe on its standard input and
 * one on its standard output; its standard error is discarded. A write to
 * an installer that has closed its input is not an error (SIGPIPE is
 * ignored on POSIX). */
int msiq_host_installer_start(uv_loop_t *loop,
                              const msiq_installer_start_options *options,
                              msiq_installer **installer, msiq_diag *diag);

/* Writes bytes to the installer's standard input (a `cancel` line).
 * MSIQ_EHOST when the input is closed or the installer has exited. */
int msiq_host_installer_send(msiq_installer *installer, const char *bytes,
                             size_t length);

/* Ends the installer and every process it started: on Windows its Job
 * Object is terminated; on POSIX every process of its group and session,
 * every descendant, and every process that inherited the mark its
 * environment was given (MSIQ_JOB_TREE), which also finds one that
 * left with setsid() and whose parent has exited, is stopped and killed. */
int msiq_host_installer_stop_tree(msiq_installer *installer);

/* The process id, for messages. */
int64_t msiq_host_installer_pid(const msiq_installer *installer);

/* Frees the installer after its exit callback ran; if it is still running
 * it is left running (the dispatcher is shutting down) and only the
 * handles are closed: its pipes then end, which a worker reads as the
 * dispatcher gone. */
void msiq_host_installer_close(msiq_installer *installer);

/* The worker: `msiq --worker`, an internal mode the dispatcher starts once
 * per job. It reads the request (core/worker_request.h) on standard input,
 * drives msi.dll in this process with an external UI handler and reports
 * on standard output in core/worker_protocol.h's lines; it returns the
 * process exit code, the Windows Installer API's return code. The
 * simulation host has no msi.dll: there it says so on stderr and returns 2.
 * See docs/engine.md. */
int msiq_host_worker_main(void);

/* Windows service mode (`msiq service ...`). The POSIX simulation host has
 * no service manager: there each of these returns MSIQ_EUSAGE. */

/* For `service install`, before anything is registered: MSIQ_EINSECURE
 * unless this executable, the folder it is in and every folder above can be
 * changed only by administrators (the rules of msiq_host_check_private; a
 * folder others can write lets them replace msiq.exe, or put a DLL beside
 * it that the service would load as SYSTEM). */
int msiq_host_service_check_program(msiq_diag *diag);

/* For `service install`, which runs elevated: when the queue at
 * database_path is in msiq's own data folder (%ProgramData%\msiq) and that
 * folder or a database file in it lets others change it (it was created
 * beforehand, by hand or by an installer, with a weak access list), gives
 * them the access list msiq creates them with: SYSTEM and Administrators
 * only, owner Administrators. *repaired says whether anything changed and
 * `why` (when not NULL) what was wrong. A queue anywhere else is left as
 * it is (the safety check then refuses a weak one). */
int msiq_host_service_secure_queue(const char *database_path, bool *repaired,
                                   char *why, size_t size, msiq_diag *diag);

/* Registers service `name` (LocalSystem, automatic delayed start) to run
 * this executable with `arguments` ("service run --db ..."), with a
 * preshutdown timeout of stop_wait_ms and restarts after a failure. Each
 * setting is checked: one the service manager refuses undoes the install;
 * one it does not know at all (Wine knows only some) is named in notes, a
 * comma-separated list ("" when none). */
int msiq_host_service_install(const char *name, const char *arguments,
                              int64_t stop_wait_ms, char *notes,
                              size_t notes_size, msiq_diag *diag);
/* Stops the service first when it runs (waiting up to stop_wait_ms, as
 * msiq_host_service_stop), then removes it. */
int msiq_host_service_uninstall(const char *name, int64_t stop_wait_ms,
                                msiq_diag *diag);
int msiq_host_service_start(const char *name, msiq_diag *diag);
/* Sends the stop control and waits up to wait_ms for the service to stop. */
int msiq_host_service_stop(const char *name, int64_t wait_ms, msiq_diag *diag);
/* Writes "running", "stopped", "start pending"... or "not installed". */
int msiq_host_service_query(const char *name, char *state, size_t size,
                            msiq_diag *diag);

/* Runs body as service `name` when the service manager started this
 * process; body opens what it needs (the queue) itself, after the service
 * manager's connection is made. On the first stop, preshutdown or shutdown
 * control, the host reports STOP_PENDING, advancing its checkpoint every
 * few seconds for up to stop_wait_ms, and calls request_stop(stop_context)
 * once, from the service manager's thread (never after body returned);
 * when body returns the service is reported stopped. */
typedef int (*msiq_service_body)(void *context);
int msiq_host_service_run(const char *name, msiq_service_body body,
                          void *context, void (*request_stop)(void *),
                          void *stop_context, int64_t stop_wait_ms,
                          msiq_diag *diag);

/* Reboots. */

/* True when Windows has a reboot pending: Component Based Servicing's
 * RebootPending key, Windows Update's RebootRequired key, or Session
 * Manager's PendingFileRenameOperations value. `why` names which. The
 * simulation reports one while the file named by MSIQ_SIM_REBOOT_PENDING
 * exists (its first line is the reason). */
bool msiq_host_reboot_pending(char *why, size_t size);

/* The operating system's message for an exit code that is also a Win32
 * error (5: "Access is denied."), for msiq_exit_code_describe
 * (core/outcome.h), which makes it one line: FormatMessageW from the
 * system's message table, in the user's language. False when there is
 * none, and always on the POSIX host, which has no names for codes beyond
 * msiq's own table. */
bool msiq_host_exit_code_message(int64_t exit_code, char *buffer, size_t size);

/* When the machine last booted (UTC ms, to within a second or so). The
 * simulation reads it from the file named by MSIQ_SIM_BOOT_TIME (Unix
 * seconds) when set, else from /proc/stat. */
int64_t msiq_host_boot_time_ms(void);

/* The operating system's event log: on Windows an Application event from
 * source "msiq" (information, warning or error) with event_id, one of
 * msiq_event_id (core/decision.h), whose message in msiq.exe's message
 * table shows `message`, so fleet tools and SIEMs that collect event logs
 * see job outcomes. The simulation appends "KIND: MESSAGE" to the file
 * named by MSIQ_SIM_EVENT_LOG, if set. */
typedef enum msiq_event_kind {
  MSIQ_EVENT_INFORMATION,
  MSIQ_EVENT_WARNING,
  MSIQ_EVENT_ERROR,
} msiq_event_kind;

void msiq_host_report_event(msiq_event_kind kind, int event_id,
                            const char *message);

/* A random fraction in [0, 1) for backoff jitter. */
double msiq_host_random_fraction(void);

#endif /* MSIQ_HOST_H */
