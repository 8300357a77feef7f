/* custom_action.c: the program the worker tests' packages run as a
 * deferred custom action, so that a test can make an installation slow
 * (and know when it has reached the custom action) or make it fail.
 *
 * usage: custom_action.exe MILLISECONDS EXIT_CODE [MARKER_FILE]
 * Creates MARKER_FILE (if given), sleeps, then exits with EXIT_CODE; a
 * non-zero code makes Windows Installer fail the installation when the
 * custom action checks its return code.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: custom_action MILLISECONDS EXIT_CODE [MARKER]\n");
    return 2;
  }
  if (argc > 3) {
    FILE *marker = fopen(argv[3], "w");
    if (marker != NULL) {
      fputs("running\n", marker);
      fclose(marker);
    }
  }
  Sleep((DWORD)strtoul(argv[1], NULL, 10));
  return (int)strtol(argv[2], NULL, 10);
}
