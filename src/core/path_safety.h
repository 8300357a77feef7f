/* path_safety.h: may anyone but an administrator change what a path names?
 *
 * The dispatcher runs as SYSTEM (root): it runs the package a job names
 * and lets the installer write the log the job names. A package in a
 * folder a standard user can write can be swapped between enqueue and the
 * night it runs; a log in such a folder is the classic redirect (the user
 * replaces the folder by a junction or symbolic link to C:\Windows\System32,
 * and SYSTEM's msiexec writes there). So before a job is enqueued, and
 * again before its installer starts, every component of its package and
 * log paths is judged here, from the root down.
 *
 * The rule is the same on every host and lives here, pure; each host
 * describes the components (msiq_path_component) in its own permission
 * model boiled down to what accounts other than the trusted ones may do
 * (POSIX: owner and mode; Windows: owner and DACL). Trusted are the
 * administrators (root; SYSTEM, Administrators, TrustedInstaller) and the
 * account msiq runs as.
 *
 * What the judge refuses, component by component:
 *   - a symbolic link (on Windows any reparse point: junction, symbolic
 *     link, mount point): what it points to can differ from what was
 *     judged;
 *   - an owner who is not trusted (an owner can always change the
 *     permissions);
 *   - others who may change the component's permissions, or delete or
 *     rename it;
 *   - a folder on the way in which others may delete or rename entries
 *     (they could replace the next component), or may create entries when
 *     the next component does not exist yet (they could create it);
 *   - the folder that holds the file (and a log folder itself), when others
 *     may create, delete or rename anything in it, or write it;
 *   - the file itself when others may write it, or when it exists and is
 *     not a regular file.
 * A POSIX sticky folder (/tmp) lets others create entries but not remove
 * the entries of others, so it may lie on the way, never hold the file.
 */
#ifndef MSIQ_PATH_SAFETY_H
#define MSIQ_PATH_SAFETY_H

#include "core/msiq.h"

/* What the path is for, which decides what its last component must be and
 * what the message advises. */
typedef enum msiq_path_role {
  /* A package the installer reads (install, patch, a .msi to uninstall or
   * repair). It may be absent: the installer then reports 1619. */
  MSIQ_PATH_ROLE_PACKAGE,
  /* A log file the installer creates or overwrites; it may be absent. */
  MSIQ_PATH_ROLE_LOG,
  /* The folder the per-job logs go into (`logs` beside the database, or
   * `run --log-dir`); it must exist and be a folder. */
  MSIQ_PATH_ROLE_LOG_DIRECTORY,
} msiq_path_role;

typedef enum msiq_path_kind {
  MSIQ_PATH_ABSENT,
  MSIQ_PATH_DIRECTORY,
  MSIQ_PATH_FILE,  /* a regular file */
  MSIQ_PATH_LINK,  /* a symbolic link; on Windows any reparse point */
  MSIQ_PATH_OTHER, /* a device, a FIFO, a socket */
} msiq_path_kind;

/* What accounts other than the trusted ones may do to a component. */
enum {
  /* Create entries in it (a folder). */
  MSIQ_PATH_OTHERS_ADD = 1u << 0,
  /* Delete or rename entries in it, whoever owns them (a folder). */
  MSIQ_PATH_OTHERS_REMOVE = 1u << 1,
  /* Change its content, or its attributes. */
  MSIQ_PATH_OTHERS_WRITE = 1u << 2,
  /* Delete or rename it (Windows' DELETE right). */
  MSIQ_PATH_OTHERS_DELETE = 1u << 3,
  /* Change its permissions or its owner. */
  MSIQ_PATH_OTHERS_PERMISSIONS = 1u << 4,
};

/* One component of a path, as the host found it. */
typedef struct msiq_path_component {
  /* The path up to and including this component ("/", "/srv",
   * "C:\", "C:\Packages"). */
  const char *path;
  msiq_path_kind kind;
  /* Unused for an absent component. */
  bool owner_trusted;
  /* Who owns it ("uid 65534", "CONTOSO\bob"), when not trusted. */
  const char *owner;
  unsigned others; /* MSIQ_PATH_OTHERS_* */
  /* Who those others are ("everyone (mode 0777)", "BUILTIN\Users"). */
  const char *others_who;
} msiq_path_component;

/* Judges path (for the messages) from its components: components[0] is the
 * root, and depth is the number of components the whole path has (the
 * root included). The host describes them from the root down and stops at
 * the first absent one, so count is depth, or less when the last one
 * described is absent. MSIQ_OK when nobody but a trusted account can
 * change what path names, else MSIQ_EINSECURE with a one-line message that
 * names the component, the reason and what to do. */
int msiq_path_judge(const char *path, msiq_path_role role,
                    const msiq_path_component *components, size_t count,
                    size_t depth, msiq_diag *diag);

/* True when path is absolute in one of the forms a host uses: "/..."
 * (POSIX), "X:\..." or "X:/..." (a Windows drive) or "\\server\..." (a
 * share). Text only: whether it names anything is the host's to say. */
bool msiq_path_is_absolute(const char *path);

/* The files a job's installer reads beside its package, from the list
 * properties of its sequences (core/job.h): an install's or an
 * advertisement's TRANSFORMS, and an administrative image's or a patch
 * job's PATCH. Each call copies the next path of the list value at
 * *cursor into buffer (cut to size) and moves *cursor past it; false when
 * none is left. Entries that are not files msiq can judge are passed
 * over: a transform embedded in the package (":name"), one Windows
 * Installer looks for beside the package ("@name"), and relative names;
 * a secure full-path transform ("|C:\\t.mst") is the path after the bar.
 * An entry longer than the buffer comes back empty, which no host's check
 * accepts, so that no file is passed over unjudged. */
bool msiq_path_list_next_file(const char **cursor, char *buffer, size_t size);

#endif /* MSIQ_PATH_SAFETY_H */
