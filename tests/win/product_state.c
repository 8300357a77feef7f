/* product_state.c: prints what Windows Installer knows of a product, so
 * the worker tests can check an install, an uninstall or a cancelled
 * install from outside the worker.
 *
 * usage: product_state.exe {PRODUCT-CODE}
 * Prints MsiQueryProductStateW's answer as a number (5 installed,
 * -1 unknown) and a name, for example "5 default".
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <msi.h>
#include <stdio.h>

static const char *product_state_name(INSTALLSTATE state) {
  switch (state) {
    case INSTALLSTATE_DEFAULT:
      return "default";
    case INSTALLSTATE_ADVERTISED:
      return "advertised";
    case INSTALLSTATE_ABSENT:
      return "absent";
    case INSTALLSTATE_INVALIDARG:
      return "invalid-argument";
    case INSTALLSTATE_UNKNOWN:
      return "unknown";
    default:
      return "other";
  }
}

int main(int argc, char **argv) {
  /* A product code is 38 ASCII characters. */
  wchar_t code[64];
  if (argc != 2 ||
      MultiByteToWideChar(CP_UTF8, 0, argv[1], -1, code, 64) == 0) {
    fprintf(stderr, "usage: product_state {PRODUCT-CODE}\n");
    return 2;
  }
  INSTALLSTATE state = MsiQueryProductStateW(code);
  printf("%d %s\n", (int)state, product_state_name(state));
  return 0;
}
