/* host_installer.c: the installer process's lifecycle and pipes, the same
 * on every host. See host.h (msiq_host_installer_*) and host_installer.h.
 *
 * The installer's exit and the end of its standard output are two events
 * that libuv delivers in either order: a worker's last lines (its `result`)
 * may still sit in the pipe when the exit is seen. The exit callback is
 * therefore held back until the output has ended too, so that the
 * dispatcher judges the attempt on everything the worker said. A process
 * the installer started may inherit the pipe and keep it open for a long
 * time; the wait for the end of the output is bounded for that case, and
 * whatever the installer wrote before it exited is in the pipe by then.
 */
#include "host/host_installer.h"

#include <stdlib.h>
#include <string.h>

/* How long after the exit the rest of the output is waited for. The
 * installer's own lines are already in the pipe when it has exited, so
 * this only matters when a process it started holds the pipe open. */
#define HOST_INSTALLER_DRAIN_MS 2000

/* One write to the installer's standard input, with its bytes. */
typedef struct host_installer_write {
  uv_write_t request;
  msiq_installer *installer;
  char bytes[];
} host_installer_write;

static void host_installer_on_handle_closed(uv_handle_t *handle) {
  msiq_installer *installer = handle->data;
  installer->open_handles--;
  if (installer->open_handles == 0) {
    host_installer_os_group_release(installer);
    free(installer);
  }
}

static void host_installer_close_handle(uv_handle_t *handle) {
  if (!uv_is_closing(handle)) {
    uv_close(handle, host_installer_on_handle_closed);
  }
}

static void host_installer_close_input(msiq_installer *installer) {
  installer->input_open = false;
  host_installer_close_handle((uv_handle_t *)&installer->input);
}

/* Calls on_exit once both the exit and the end of the output were seen (or
 * the wait for the output timed out), unless the caller closed the
 * installer first. */
static void host_installer_report(msiq_installer *installer) {
  if (installer->reported || installer->closing || !installer->exited ||
      !installer->output_ended) {
    return;
  }
  installer->reported = true;
  uv_timer_stop(&installer->drain_timer);
  installer->on_exit(installer, installer->exit_code, installer->data);
}

static void host_installer_end_output(msiq_installer *installer) {
  installer->output_ended = true;
  uv_read_stop((uv_stream_t *)&installer->output);
}

static void host_installer_on_drain_timeout(uv_timer_t *timer) {
  msiq_installer *installer = timer->data;
  host_installer_end_output(installer);
  host_installer_report(installer);
}

static void host_installer_on_exit(uv_process_t *process, int64_t exit_status,
                                   int term_signal) {
  msiq_installer *installer = process->data;
  if (installer->closing) {
    return;
  }
  installer->exited = true;
  installer->exit_code =
      host_installer_os_exit_code(installer, exit_status, term_signal);
  /* Nobody reads the input any more. */
  host_installer_close_input(installer);
  if (!installer->output_ended) {
    uv_timer_start(&installer->drain_timer, host_installer_on_drain_timeout,
                   HOST_INSTALLER_DRAIN_MS, 0);
    return;
  }
  host_installer_report(installer);
}

static void host_installer_on_alloc(uv_handle_t *handle, size_t suggested,
                                    uv_buf_t *buffer) {
  msiq_installer *installer = handle->data;
  (void)suggested;
  *buffer = uv_buf_init(installer->read_buffer,
                        (unsigned)sizeof installer->read_buffer);
}

static void host_installer_on_read(uv_stream_t *stream, ssize_t count,
                                   const uv_buf_t *buffer) {
  msiq_installer *installer = stream->data;
  if (installer->closing || installer->reported) {
    return;
  }
  if (count > 0) {
    if (installer->on_output != NULL) {
      installer->on_output(installer, buffer->base, (size_t)count,
                           installer->data);
    }
    return;
  }
  if (count < 0) {
    /* UV_EOF, or a read error: either way nothing more will come. */
    host_installer_end_output(installer);
    host_installer_report(installer);
  }
}

static void host_installer_on_write(uv_write_t *request, int status) {
  host_installer_write *write = (host_installer_write *)request;
  if (status < 0 && status != UV_ECANCELED) {
    /* The installer closed its input (EPIPE): it reads no more, which is
     * not an error of the dispatcher's. */
    write->installer->input_open = false;
  }
  free(write);
}

int msiq_host_installer_send(msiq_installer *installer, const char *bytes,
                             size_t length) {
  if (installer == NULL || installer->closing || installer->exited ||
      !installer->input_open) {
    return MSIQ_EHOST;
  }
  host_installer_write *write = malloc(sizeof *write + length);
  if (write == NULL) {
    return MSIQ_ENOMEM;
  }
  write->installer = installer;
  memcpy(write->bytes, bytes, length);
  uv_buf_t buffer = uv_buf_init(write->bytes, (unsigned)length);
  int rc = uv_write(&write->request, (uv_stream_t *)&installer->input, &buffer,
                    1, host_installer_on_write);
  if (rc != 0) {
    free(write);
    installer->input_open = false;
    return MSIQ_EHOST;
  }
  return MSIQ_OK;
}

int msiq_host_installer_start(uv_loop_t *loop,
                              const msiq_installer_start_options *start,
                              msiq_installer **out, msiq_diag *diag) {
  *out = NULL;
  msiq_installer *installer = calloc(1, sizeof *installer);
  if (installer == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  installer->on_exit = start->on_exit;
  installer->on_output = start->on_output;
  installer->data = start->data;
  uv_process_options_t options;
  memset(&options, 0, sizeof options);
  char **arguments = NULL;
  int status = host_installer_os_group_create(installer, diag);
  if (status == MSIQ_OK) {
    status =
        host_installer_os_prepare(installer, start, &options, &arguments, diag);
    if (status != MSIQ_OK) {
      host_installer_os_group_release(installer);
    }
  }
  if (status != MSIQ_OK) {
    host_installer_os_free_arguments(arguments);
    free(installer);
    return status;
  }

  uv_pipe_init(loop, &installer->input, 0);
  uv_pipe_init(loop, &installer->output, 0);
  uv_timer_init(loop, &installer->drain_timer);
  installer->input.data = installer;
  installer->output.data = installer;
  installer->drain_timer.data = installer;
  installer->process.data = installer;
  installer->open_handles = 4; /* uv_spawn initialises the process handle
                                  even when it fails */
  /* UV_READABLE_PIPE and UV_WRITABLE_PIPE are the child's view: it reads
   * its standard input and writes its standard output. Standard error is
   * not read: a worker says everything on standard output. */
  uv_stdio_container_t stdio[3];
  memset(stdio, 0, sizeof stdio);
  stdio[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
  stdio[0].data.stream = (uv_stream_t *)&installer->input;
  stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
  stdio[1].data.stream = (uv_stream_t *)&installer->output;
  stdio[2].flags = UV_IGNORE;
  options.stdio = stdio;
  options.stdio_count = 3;
  options.exit_cb = host_installer_on_exit;
  int rc = uv_spawn(loop, &installer->process, &options);
  host_installer_os_free_arguments(arguments);
  if (rc != 0) {
    installer->exited = true;
    installer->closing = true;
    host_installer_close_handle((uv_handle_t *)&installer->process);
    host_installer_close_handle((uv_handle_t *)&installer->input);
    host_installer_close_handle((uv_handle_t *)&installer->output);
    host_installer_close_handle((uv_handle_t *)&installer->drain_timer);
    /* The program comes from the environment: quoted, so that the
     * message (which the job records) stays one line of UTF-8. */
    char program[512];
    msiq_quote_for_message(start->program, program, sizeof program);
    return msiq_diag_set(diag, MSIQ_EHOST, "cannot start installer %s: %s",
                         program, uv_strerror(rc));
  }
  installer->pid = installer->process.pid;
  /* Into the group first, then the request: a worker waits for the
   * request before it does anything, so nothing it starts escapes the
   * group. */
  host_installer_os_group_join(installer);
  installer->input_open = true;
  if (uv_read_start((uv_stream_t *)&installer->output, host_installer_on_alloc,
                    host_installer_on_read) != 0) {
    installer->output_ended = true;
  }
  if (start->request_length > 0) {
    /* A stand-in that exits at once, without reading, is no error. */
    msiq_host_installer_send(installer, start->request, start->request_length);
  }
  *out = installer;
  return MSIQ_OK;
}

int msiq_host_installer_stop_tree(msiq_installer *installer) {
  if (installer->exited) {
    return MSIQ_OK;
  }
  return host_installer_os_stop_tree(installer);
}

int64_t msiq_host_installer_pid(const msiq_installer *installer) {
  return installer->pid;
}

void msiq_host_installer_close(msiq_installer *installer) {
  if (installer == NULL || installer->closing) {
    return;
  }
  installer->closing = true;
  installer->input_open = false;
  /* Closing a process handle does not end the process: a still running
   * installer is left running. */
  host_installer_close_handle((uv_handle_t *)&installer->process);
  host_installer_close_handle((uv_handle_t *)&installer->input);
  host_installer_close_handle((uv_handle_t *)&installer->output);
  host_installer_close_handle((uv_handle_t *)&installer->drain_timer);
}
