/* tool_entry.c: the process entry point; everything else is in the
 * msiq_tool library so tests can run commands in-process. */
#include "host/host.h"
#include "cli/tool.h"

#include <string.h>

int main(int argc, char **argv) {
  /* The dispatcher starts msiq itself as each job's worker; that internal
   * mode is not a command and is not listed in the help. */
  if (argc >= 2 && strcmp(argv[1], "--worker") == 0) {
    return msiq_host_worker_main();
  }
  char **utf8_argv = argv;
  if (msiq_host_main_arguments(argc, argv, &utf8_argv) != MSIQ_OK) {
    errorf("cannot read the command line");
    return TOOL_EXIT_FAILURE;
  }
  tool_exit_on_mapping_faults();
  return msiq_tool_main(argc, utf8_argv);
}
