/* raw_spawn.c: starts a program with an exact Windows command line and
 * prints its full exit code, for tests/wine/exec.sh.
 *
 *   raw_spawn.exe LINE_FILE
 *
 * LINE_FILE holds the command line in UTF-8 (no line end needed). It is
 * given to CreateProcessW as it is, so the child sees exactly the text a
 * script's msiexec line would give it (wine itself would quote each Unix
 * argument by the C runtime's rules). The child's exit code is printed in
 * full on stdout: Wine passes only its low 8 bits on to Linux. Copied as
 * msiexec.exe, it is also the msiexec ancestor `exec` must notice. */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: raw_spawn LINE_FILE\n");
    return 2;
  }
  FILE *file = fopen(argv[1], "rb");
  if (file == NULL) {
    fprintf(stderr, "raw_spawn: cannot open %s\n", argv[1]);
    return 2;
  }
  char line[32768];
  size_t length = fread(line, 1, sizeof line - 1, file);
  fclose(file);
  while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r')) {
    length--;
  }
  line[length] = '\0';
  static wchar_t wide[32768];
  if (MultiByteToWideChar(CP_UTF8, 0, line, -1, wide, 32768) == 0) {
    fprintf(stderr, "raw_spawn: the line is not UTF-8\n");
    return 2;
  }
  STARTUPINFOW startup = {.cb = sizeof startup};
  PROCESS_INFORMATION process;
  if (!CreateProcessW(NULL, wide, NULL, NULL, FALSE, 0, NULL, NULL, &startup,
                      &process)) {
    fprintf(stderr, "raw_spawn: CreateProcessW failed: %lu\n",
            (unsigned long)GetLastError());
    return 2;
  }
  WaitForSingleObject(process.hProcess, INFINITE);
  DWORD code = 0;
  GetExitCodeProcess(process.hProcess, &code);
  CloseHandle(process.hThread);
  CloseHandle(process.hProcess);
  printf("exit %lu\n", (unsigned long)code);
  return 0;
}
