/* hold_mutex.c: holds Global\_MSIExecute for a while, as a concurrent
 * Windows Installer transaction would. Wine's msi never creates that mutex
 * (polling OpenMutexW every 50 ms during a whole Wine install always found
 * it absent), so the end-to-end tests need this program to close msiq's
 * gate.
 *
 * usage: hold_mutex.exe MILLISECONDS [READY_FILE]
 * READY_FILE is created once the mutex is held.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: hold_mutex MILLISECONDS [READY_FILE]\n");
    return 2;
  }
  DWORD milliseconds = (DWORD)strtoul(argv[1], NULL, 10);
  HANDLE mutex = CreateMutexW(NULL, TRUE, L"Global\\_MSIExecute");
  if (mutex == NULL) {
    fprintf(stderr, "hold_mutex: CreateMutex failed: %lu\n",
            (unsigned long)GetLastError());
    return 1;
  }
  if (argc > 2) {
    FILE *ready = fopen(argv[2], "w");
    if (ready != NULL) {
      fputs("held\n", ready);
      fclose(ready);
    }
  }
  Sleep(milliseconds);
  ReleaseMutex(mutex);
  CloseHandle(mutex);
  return 0;
}
