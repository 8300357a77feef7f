/* host_installer.h: what the installer's shared lifecycle code
 * (host_installer.c) and each host's own part (posix/host_posix.c,
 * win/host_win.c) share. Not for use outside src/host.
 *
 * host_installer.c owns the libuv handles: the process, a pipe on the
 * installer's standard input and one on its standard output, and the timer
 * that bounds the wait for the rest of its output after it exited. The
 * host_installer_os_* functions are the parts that differ: how the process
 * is described to uv_spawn, the group that ends the whole tree (a process
 * group on POSIX, a Job Object on Windows) and what an exit status means.
 */
#ifndef MSIQ_HOST_INSTALLER_H
#define MSIQ_HOST_INSTALLER_H

#include "host/host.h"

/* Bytes read from the installer's standard output at a time. */
#define HOST_INSTALLER_READ_SIZE 16384

struct msiq_installer {
  uv_process_t process;
  uv_pipe_t input;  /* the installer's standard input, written here */
  uv_pipe_t output; /* its standard output, read here */
  uv_timer_t drain_timer;
  msiq_installer_exit_cb on_exit;
  msiq_installer_output_cb on_output;
  void *data;
  int64_t pid;
  int64_t exit_code;
  bool exited;       /* the process has exited */
  bool output_ended; /* its standard output ended (or stopped being read) */
  bool reported;     /* on_exit ran */
  bool input_open;   /* writes can still be made */
  bool closing;      /* msiq_host_installer_close() was called */
  int open_handles;  /* initialised handles not yet closed */
  /* The group that ends the whole tree: the Windows host's Job Object; on
   * POSIX the mark its processes carry (host_posix.c). */
  void *group;
  char read_buffer[HOST_INSTALLER_READ_SIZE];
};

/* Fills options->file, options->args and options->flags (on POSIX also
 * options->env) for start, once the installer's group exists;
 * *arguments receives what host_installer_os_free_arguments() frees after
 * the spawn. */
int host_installer_os_prepare(msiq_installer *installer,
                              const msiq_installer_start_options *start,
                              uv_process_options_t *options, char ***arguments,
                              msiq_diag *diag);
void host_installer_os_free_arguments(char **arguments);

/* Creates the group before the spawn (and before
 * host_installer_os_prepare), puts the new process into it right after,
 * and releases it when the installer is freed. */
int host_installer_os_group_create(msiq_installer *installer, msiq_diag *diag);
void host_installer_os_group_join(msiq_installer *installer);
void host_installer_os_group_release(msiq_installer *installer);

/* The full exit code for libuv's exit status and signal. */
int64_t host_installer_os_exit_code(const msiq_installer *installer,
                                    int64_t exit_status, int term_signal);

/* Ends the process and everything in its group. */
int host_installer_os_stop_tree(msiq_installer *installer);

#endif /* MSIQ_HOST_INSTALLER_H */
