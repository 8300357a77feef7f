/* installer_command.h: what Windows Installer is asked to do for a job.
 *
 * Two ways, both decided here so that the rules live in one place. The
 * msiexec way: the core builds the argument list, each host turns it into a
 * process (the Windows host quotes it into one command line by msiexec's own
 * rules; the POSIX simulation passes each argument as its own argv element).
 * The msi.dll way: the core plans the one API call the worker makes
 * (function, target, property list) and the Windows worker only converts the
 * strings and calls it.
 */
#ifndef MSIQ_INSTALLER_COMMAND_H
#define MSIQ_INSTALLER_COMMAND_H

#include "core/job.h"

/* The repair mode when a job does not name one: msiexec's own default for
 * /f ("omus": reinstall missing or older files, rewrite machine and user
 * registry keys, reinstall shortcuts). */
#define MSIQ_DEFAULT_REPAIR_MODE "omus"

typedef struct msiq_installer_command {
  char **arguments; /* without the program itself */
  size_t argument_count;
} msiq_installer_command;

void msiq_installer_command_init(msiq_installer_command *command);
void msiq_installer_command_cleanup(msiq_installer_command *command);

/* Builds: the action switch and target (/i, /x, /update, /f with the
 * job's repair mode, msiq_repair_mode_of, /a, /jm, /package for unpatch,
 * whose MSIPATCHREMOVE is one of the properties), then
 * /qn /norestart /lMODE LOG (the job's log mode, log_mode.h; /l*v when it
 * names none), then each property as NAME=VALUE in order.
 * Properties are passed raw here; quoting is the host's job. */
int msiq_installer_command_build(const msiq_job *job, const char *log_path,
                                 msiq_installer_command *command,
                                 msiq_diag *diag);

/* Joins arguments into one Windows command line by msiexec's rules: a switch
 * or path with spaces is quoted whole ("C:\Program Files\a.msi"), a property
 * is written NAME="value" with inner quotes doubled, and an argument that
 * cannot be quoted safely (a control character, a switch-like property
 * name) is refused with MSIQ_EINVAL. The result (free() it) starts with the
 * quoted program path. Portable so it can be tested and fuzzed anywhere. */
int msiq_installer_command_line(const char *program,
                                const msiq_installer_command *command,
                                char **command_line, msiq_diag *diag);

/* The msi.dll way. */

/* The property a job may set to choose its own restart behaviour; unless
 * it does, REBOOT=ReallySuppress is passed, because with no user interface
 * Windows Installer restarts the machine by itself when a package asks for
 * a restart, and msiq leaves restarts to the administrator. */
#define MSIQ_REBOOT_PROPERTY      "REBOOT"
#define MSIQ_REBOOT_DEFAULT_VALUE "ReallySuppress"

/* Writes properties as Windows Installer's API functions read their
 * szCommandLine / szPropertiesList: NAME=value separated by single spaces,
 * the value in double quotes (inner double quotes doubled) when it is empty
 * or holds a space, a tab or a double quote. Names must match the job
 * model's rule, values may hold no control character, and a name may
 * appear only once (Windows Installer would silently keep one of them):
 * anything else is MSIQ_EINVAL with the property's name (never its value,
 * which may be a password) in diag. *list ("" for no properties) is
 * free()d by the caller. */
int msiq_installer_property_list(const msiq_property *properties,
                                 size_t property_count, char **list,
                                 msiq_diag *diag);

/* True when mode is a repair mode msiexec's /f accepts: one or more of the
 * letters p o e d c a m u s v (REINSTALLMODE's letters). */
bool msiq_repair_mode_is_valid(const char *mode);

/* The property that carries a repair job's own mode (`exec /fvomus`). */
#define MSIQ_REINSTALLMODE_PROPERTY "REINSTALLMODE"

/* The repair mode of a job with these properties: the value of its
 * REINSTALLMODE property when that is a valid mode, else
 * MSIQ_DEFAULT_REPAIR_MODE. The msiexec switch (/fvomus) and the worker's
 * request both use it, so the two ways repair alike. */
const char *msiq_repair_mode_of(const msiq_property *properties,
                                size_t property_count);

/* The msi.dll functions the worker calls. */
#define MSIQ_INSTALLER_FUNCTION_MAP(XX)                                        \
  XX(INSTALL_PRODUCT, "MsiInstallProductW")                                    \
  XX(CONFIGURE_PRODUCT, "MsiConfigureProductExW")                              \
  XX(APPLY_PATCHES, "MsiApplyMultiplePatchesW")                                \
  XX(ADVERTISE_PRODUCT, "MsiAdvertiseProductExW")

typedef enum msiq_installer_function {
#define MSIQ_INSTALLER_FUNCTION_ENUM(name, text) MSIQ_INSTALLER_##name,
  MSIQ_INSTALLER_FUNCTION_MAP(MSIQ_INSTALLER_FUNCTION_ENUM)
#undef MSIQ_INSTALLER_FUNCTION_ENUM
      MSIQ_INSTALLER_FUNCTION_COUNT
} msiq_installer_function;

const char *msiq_installer_function_name(msiq_installer_function function);

/* One planned call:
 *   INSTALL_PRODUCT    MsiInstallProductW(target, properties)
 *   CONFIGURE_PRODUCT  MsiConfigureProductExW(target, INSTALLLEVEL_DEFAULT,
 *                      INSTALLSTATE_ABSENT when remove, else
 *                      INSTALLSTATE_DEFAULT, properties)
 *   APPLY_PATCHES      MsiApplyMultiplePatchesW(target, NULL, properties)
 *   ADVERTISE_PRODUCT  MsiAdvertiseProductExW(target,
 *                      ADVERTISEFLAGS_MACHINEASSIGN, transforms or NULL,
 *                      language, 0, 0); properties is ""
 * description is the call written out, for the worker's `operation`
 * message. */
typedef struct msiq_installer_call {
  msiq_installer_function function;
  bool remove;
  char *target;
  char *properties;
  char *description;
  /* ADVERTISE_PRODUCT only: the ';'-separated transforms (NULL for none)
   * and the language id (0 for the package's own). */
  char *transforms;
  unsigned language;
} msiq_installer_call;

void msiq_installer_call_init(msiq_installer_call *call);
void msiq_installer_call_cleanup(msiq_installer_call *call);

/* Plans the call for an action:
 *   install PACKAGE       MsiInstallProductW(PACKAGE, props)
 *   install {CODE}        MsiConfigureProductExW(CODE, ..., DEFAULT, props):
 *                         reconfigures the installed product
 *   uninstall {CODE}      MsiConfigureProductExW(CODE, ..., ABSENT, props)
 *   uninstall PACKAGE     MsiInstallProductW(PACKAGE, "REMOVE=ALL " props)
 *   patch PATCH.msp       MsiApplyMultiplePatchesW(PATCH, NULL, props)
 *   repair {CODE} MODE    MsiConfigureProductExW(CODE, ..., DEFAULT,
 *                         "REINSTALL=ALL REINSTALLMODE=MODE " props)
 *   repair PACKAGE MODE   MsiInstallProductW(PACKAGE, the same)
 *   admin PACKAGE         MsiInstallProductW(PACKAGE, "ACTION=ADMIN " props),
 *                         props holding TARGETDIR and any PATCH
 *   advertise PACKAGE     MsiAdvertiseProductExW(PACKAGE, machine, TRANSFORMS,
 *                         ProductLanguage, 0, 0); no other property
 *   unpatch {CODE}        MsiConfigureProductExW(CODE, ..., DEFAULT, props),
 *                         props holding MSIPATCHREMOVE={PATCH}
 * where props are the job's properties in order followed by
 * REBOOT=ReallySuppress unless the job sets REBOOT. A property the worker
 * adds (REMOVE, REINSTALL, REINSTALLMODE) is left out when the job sets it
 * itself, so the job's own choice (REMOVE=OneFeature) is what Windows
 * Installer sees. repair_mode is used for repair only (NULL there means
 * MSIQ_DEFAULT_REPAIR_MODE). MSIQ_EINVAL for an empty target or one with a
 * control character, a malformed product code, a patch path holding ';'
 * (the function takes a ';'-separated list), an unpatch without
 * MSIPATCHREMOVE, a bad repair mode, or a
 * property msiq_installer_property_list() refuses. On failure *call is
 * left as it was. */
int msiq_installer_call_plan(msiq_action action, const char *target,
                             const char *repair_mode,
                             const msiq_property *properties,
                             size_t property_count, msiq_installer_call *call,
                             msiq_diag *diag);

/* A related uninstall (`--related`) makes one
 * MsiConfigureProductExW(CODE, ..., INSTALLSTATE_ABSENT, props) call per
 * product its UpgradeCode finds, each planned with
 * msiq_installer_call_plan(MSIQ_ACTION_UNINSTALL, CODE, ...). This folds
 * one call's return code (next) into the attempt's so far (0 before the
 * first): a failure is the result and sets *stop (the products after it
 * are not removed; a retry starts with those still installed); otherwise
 * the strongest success is kept, 1641 (a restart was started) over 3010
 * or 3011 (one is needed; the first of them) over 0. */
int64_t msiq_related_result_fold(int64_t sofar, int64_t next, bool *stop);

#endif /* MSIQ_INSTALLER_COMMAND_H */
