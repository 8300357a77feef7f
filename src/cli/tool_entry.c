/* tool_entry.c: the process entry point; everything else is in the
 * msiq_tool library so tests can run commands in-process. */
#include "host/host.h"
#include "cli/tool.h"

int main(int argc, char **argv) {
  char **utf8_argv = argv;
  if (msiq_host_main_arguments(argc, argv, &utf8_argv) != MSIQ_OK) {
    errorf("cannot read the command line");
    return TOOL_EXIT_FAILURE;
  }
  return msiq_tool_main(argc, utf8_argv);
}
