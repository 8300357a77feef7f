/* tool_entry.c: the process entry point; everything else is in the
 * msiq_tool library so tests can run commands in-process. */
#include "tool.h"

int main(int argc, char **argv) {
  return msiq_tool_main(argc, argv);
}
