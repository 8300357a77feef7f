/* installer_command.h: the msiexec arguments for a job.
 *
 * The core builds the argument list; each host turns it into a process. The
 * Windows host quotes it into one command line by msiexec's own rules; the
 * POSIX simulation passes each argument as its own argv element.
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

/* Builds: the action switch and target (/i, /x, /update, /fomus), then
 * /qn /norestart /l*v LOG, then each property as NAME=VALUE in order.
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

#endif /* MSIQ_INSTALLER_COMMAND_H */
