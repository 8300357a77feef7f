/* test_package_info.c: the package metadata model (core/package_info.h):
 * what the summary information's fields mean, what a package must hold,
 * the scope ALLUSERS and MSIINSTALLPERUSER give, and how a package is named
 * in `list`. The host's readers (libmsi, msi.dll) are tested with real
 * packages by tests/cli/cli_package_metadata.sh and
 * tests/wine/package_metadata.sh. */
#include "test_support.h"

#include <stdio.h>
#include <string.h>

#include "core/package_info.h"

static const char code_a[] = "{11111111-2222-3333-4444-555555555555}";
static const char code_b[] = "{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}";

static void test_kind_names_round_trip(void **state) {
  (void)state;
  msiq_package_kind kind = MSIQ_PACKAGE_KIND_UNKNOWN;
  assert_string_equal(msiq_package_kind_name(MSIQ_PACKAGE_KIND_PRODUCT),
                      "product");
  assert_string_equal(msiq_package_kind_name(MSIQ_PACKAGE_KIND_PATCH), "patch");
  assert_null(msiq_package_kind_name(MSIQ_PACKAGE_KIND_UNKNOWN));
  assert_int_equal(msiq_package_kind_parse("patch", &kind), MSIQ_OK);
  assert_int_equal(kind, MSIQ_PACKAGE_KIND_PATCH);
  assert_int_equal(msiq_package_kind_parse("product", &kind), MSIQ_OK);
  assert_int_equal(kind, MSIQ_PACKAGE_KIND_PRODUCT);
  assert_int_equal(msiq_package_kind_parse("Patch", &kind), MSIQ_EINVAL);
  assert_int_equal(msiq_package_kind_parse(NULL, &kind), MSIQ_EINVAL);
}

static void test_patch_paths(void **state) {
  (void)state;
  assert_true(msiq_package_path_is_patch("fix.msp"));
  assert_true(msiq_package_path_is_patch("C:\\pkg\\FIX.MSP"));
  assert_true(msiq_package_path_is_patch(".Msp"));
  assert_false(msiq_package_path_is_patch("app.msi"));
  assert_false(msiq_package_path_is_patch("fix.msp.txt"));
  assert_false(msiq_package_path_is_patch("msp"));
  assert_false(msiq_package_path_is_patch(""));
}

static void test_compound_file_signature(void **state) {
  (void)state;
  const unsigned char ole[] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1,
                               0xB1, 0x1A, 0xE1, 0x00};
  const unsigned char text[] = "hello, world";
  assert_true(msiq_package_header_is_compound_file(ole, sizeof ole));
  assert_true(msiq_package_header_is_compound_file(ole, 8));
  /* A file shorter than the signature is no package. */
  assert_false(msiq_package_header_is_compound_file(ole, 7));
  assert_false(msiq_package_header_is_compound_file(text, sizeof text));
  assert_false(msiq_package_header_is_compound_file(ole, 0));
}

static void test_template_gives_platform_and_languages(void **state) {
  (void)state;
  msiq_package_info info;
  msiq_package_info_init(&info);
  msiq_diag diag = {{0}};
  assert_int_equal(
      msiq_package_info_parse_template(&info, "x64;1033,1031", &diag), MSIQ_OK);
  assert_string_equal(info.platform, "x64");
  assert_string_equal(info.languages, "1033,1031");
  /* Windows Installer reads an empty platform as Intel; a package may
   * name no language (a language-neutral one says 0). */
  assert_int_equal(msiq_package_info_parse_template(&info, ";", &diag),
                   MSIQ_OK);
  assert_string_equal(info.platform, "Intel");
  assert_null(info.languages);
  assert_int_equal(msiq_package_info_parse_template(&info, "Arm64;0", &diag),
                   MSIQ_OK);
  assert_string_equal(info.platform, "Arm64");
  assert_string_equal(info.languages, "0");
  msiq_package_info_cleanup(&info);
}

static void test_bad_templates_are_no_package(void **state) {
  (void)state;
  static const char *const bad[] = {
      "x64",         /* no ';' */
      "x64;1033,",   /* an empty language */
      "x64;,1033",   /* an empty language first */
      "x64;en-US",   /* not a number */
      "x64;01033",   /* a leading zero (not a JSON number either) */
      "Intel;1033;", /* a second ';' */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    msiq_package_info info;
    msiq_package_info_init(&info);
    msiq_diag diag = {{0}};
    assert_int_equal(msiq_package_info_parse_template(&info, bad[i], &diag),
                     MSIQ_ENOT_PACKAGE);
    assert_message_contains(diag.message, "(Template)");
    assert_null(info.platform);
    msiq_package_info_cleanup(&info);
  }
  msiq_package_info info;
  msiq_package_info_init(&info);
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_package_info_parse_template(&info, NULL, &diag),
                   MSIQ_ENOT_PACKAGE);
  /* A patch's Template opened as a product: said as such. */
  assert_int_equal(msiq_package_info_parse_template(&info, code_a, &diag),
                   MSIQ_ENOT_PACKAGE);
  assert_string_equal(diag.message,
                      "its summary information names target products, as a "
                      "patch's (.msp) does");
  msiq_package_info_cleanup(&info);
}

static void test_patch_summary(void **state) {
  (void)state;
  msiq_package_info info;
  msiq_package_info_init(&info);
  msiq_diag diag = {{0}};
  char targets[100];
  snprintf(targets, sizeof targets, "%s;%s", code_a, code_b);
  /* The revision is the patch code, then the patches it replaces. */
  char revision[100];
  snprintf(revision, sizeof revision, "%s%s", code_b, code_a);
  assert_int_equal(
      msiq_package_info_parse_patch(&info, targets, revision, &diag), MSIQ_OK);
  assert_string_equal(info.patch_code, code_b);
  assert_string_equal(info.patch_targets, targets);
  msiq_package_info_cleanup(&info);

  static const char *const bad_targets[] = {
      "",
      "{11111111-2222-3333-4444-55555555555}",
      "{11111111-2222-3333-4444-555555555555};",
      "{11111111-2222-3333-4444-555555555555},{AAAAAAAA-BBBB-CCCC-DDDD-"
      "EEEEEEEEEEEE}",
  };
  for (size_t i = 0; i < sizeof bad_targets / sizeof bad_targets[0]; i++) {
    msiq_package_info_init(&info);
    assert_int_equal(
        msiq_package_info_parse_patch(&info, bad_targets[i], code_b, &diag),
        MSIQ_ENOT_PACKAGE);
    assert_message_contains(diag.message, "(Template)");
    assert_null(info.patch_code);
    msiq_package_info_cleanup(&info);
  }
  assert_int_equal(msiq_package_info_parse_patch(&info, code_a, NULL, &diag),
                   MSIQ_ENOT_PACKAGE);
  assert_int_equal(msiq_package_info_parse_patch(&info, code_a, "1.0.0", &diag),
                   MSIQ_ENOT_PACKAGE);
  assert_message_contains(diag.message, "no patch code (Revision Number)");
  msiq_package_info_cleanup(&info);
}

static void test_check_insists_on_what_a_job_needs(void **state) {
  (void)state;
  msiq_package_info info;
  msiq_package_info_init(&info);
  msiq_diag diag = {{0}};
  assert_int_equal(msiq_package_info_check(&info, &diag), MSIQ_ENOT_PACKAGE);
  info.kind = MSIQ_PACKAGE_KIND_PRODUCT;
  assert_int_equal(msiq_package_info_check(&info, &diag), MSIQ_ENOT_PACKAGE);
  assert_string_equal(diag.message, "it has no valid ProductCode");
  assert_int_equal(msiq_package_info_set(&info.product_code, "{not-a-guid}"),
                   MSIQ_OK);
  assert_int_equal(msiq_package_info_check(&info, &diag), MSIQ_ENOT_PACKAGE);
  assert_int_equal(msiq_package_info_set(&info.product_code, code_a), MSIQ_OK);
  assert_int_equal(msiq_package_info_check(&info, &diag), MSIQ_ENOT_PACKAGE);
  assert_string_equal(diag.message, "it has no ProductVersion");
  assert_int_equal(msiq_package_info_set(&info.product_version, "1.2.3"),
                   MSIQ_OK);
  assert_int_equal(msiq_package_info_check(&info, &diag), MSIQ_OK);
  msiq_package_info_cleanup(&info);

  info.kind = MSIQ_PACKAGE_KIND_PATCH;
  assert_int_equal(msiq_package_info_check(&info, &diag), MSIQ_ENOT_PACKAGE);
  assert_int_equal(msiq_package_info_parse_patch(&info, code_a, code_b, &diag),
                   MSIQ_OK);
  assert_int_equal(msiq_package_info_check(&info, &diag), MSIQ_OK);
  msiq_package_info_cleanup(&info);
}

static void test_scope_from_all_users(void **state) {
  (void)state;
  static const struct {
    const char *all_users;
    const char *per_user;
    const char *scope;
  } cases[] = {
      {"1", NULL, "per-machine"}, {"1", "1", "per-machine"},
      {"2", NULL, "per-machine"}, {"2", "1", "per-user"},
      {"2", "0", "per-machine"},  {NULL, NULL, "per-user"},
      {NULL, "1", "per-user"},    {"0", NULL, "per-user"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    msiq_package_info info;
    msiq_package_info_init(&info);
    info.kind = MSIQ_PACKAGE_KIND_PRODUCT;
    assert_int_equal(msiq_package_info_set(&info.all_users, cases[i].all_users),
                     MSIQ_OK);
    assert_int_equal(
        msiq_package_info_set(&info.install_per_user, cases[i].per_user),
        MSIQ_OK);
    assert_string_equal(msiq_package_info_scope(&info), cases[i].scope);
    msiq_package_info_cleanup(&info);
  }
  msiq_package_info info;
  msiq_package_info_init(&info);
  assert_null(msiq_package_info_scope(&info));
  info.kind = MSIQ_PACKAGE_KIND_PATCH;
  assert_null(msiq_package_info_scope(&info));
}

static void test_labels(void **state) {
  (void)state;
  msiq_package_info info;
  msiq_package_info_init(&info);
  char label[32];
  assert_false(msiq_package_info_label(&info, label, sizeof label));
  assert_string_equal(label, "");
  info.kind = MSIQ_PACKAGE_KIND_PRODUCT;
  assert_false(msiq_package_info_label(&info, label, sizeof label));
  assert_int_equal(msiq_package_info_set(&info.product_name, "7-Zip"), MSIQ_OK);
  assert_true(msiq_package_info_label(&info, label, sizeof label));
  assert_string_equal(label, "7-Zip");
  assert_int_equal(msiq_package_info_set(&info.product_version, "24.08"),
                   MSIQ_OK);
  assert_true(msiq_package_info_label(&info, label, sizeof label));
  assert_string_equal(label, "7-Zip 24.08");
  /* Cut to the buffer at a character boundary: "ü" is two bytes, and
   * half of it is never shown. */
  assert_int_equal(msiq_package_info_set(&info.product_name, "Grüße"), MSIQ_OK);
  char small[5];
  assert_true(msiq_package_info_label(&info, small, sizeof small));
  assert_string_equal(small, "Gr\xc3\xbc");
  char smaller[4];
  assert_true(msiq_package_info_label(&info, smaller, sizeof smaller));
  assert_string_equal(smaller, "Gr");
  msiq_package_info_cleanup(&info);

  info.kind = MSIQ_PACKAGE_KIND_PATCH;
  assert_int_equal(msiq_package_info_set(&info.patch_code, code_a), MSIQ_OK);
  char wide[64];
  assert_true(msiq_package_info_label(&info, wide, sizeof wide));
  assert_string_equal(wide, code_a);
  assert_int_equal(msiq_package_info_set(&info.display_name, "Fix 2"), MSIQ_OK);
  assert_true(msiq_package_info_label(&info, wide, sizeof wide));
  assert_string_equal(wide, "Fix 2");
  msiq_package_info_cleanup(&info);
}

static void test_set_and_copy(void **state) {
  (void)state;
  msiq_package_info info;
  msiq_package_info_init(&info);
  info.kind = MSIQ_PACKAGE_KIND_PRODUCT;
  assert_int_equal(msiq_package_info_set(&info.product_name, "App"), MSIQ_OK);
  /* An empty text is no text. */
  assert_int_equal(msiq_package_info_set(&info.manufacturer, ""), MSIQ_OK);
  assert_null(info.manufacturer);
  msiq_package_info copy;
  msiq_package_info_init(&copy);
  assert_int_equal(msiq_package_info_set(&copy.patch_code, code_a), MSIQ_OK);
  assert_int_equal(msiq_package_info_copy(&copy, &info), MSIQ_OK);
  assert_int_equal(copy.kind, MSIQ_PACKAGE_KIND_PRODUCT);
  assert_string_equal(copy.product_name, "App");
  assert_ptr_not_equal(copy.product_name, info.product_name);
  assert_null(copy.patch_code);
  msiq_package_info_cleanup(&info);
  msiq_package_info_cleanup(&copy);
  assert_int_equal(copy.kind, MSIQ_PACKAGE_KIND_UNKNOWN);
  assert_null(copy.product_name);
}

/* Both hosts fill the model row by row through the same names: the ones the
 * model holds are kept, any other row is ignored, an empty value is none. */
static void test_rows_fill_the_model(void **state) {
  (void)state;
  msiq_package_info info;
  msiq_package_info_init(&info);
  static const char *const rows[][2] = {
      {"ProductCode", "{11111111-2222-3333-4444-555555555555}"},
      {"ProductName", "Seven Zip"},
      {"ProductVersion", "24.08"},
      {"Manufacturer", "Igor"},
      {"UpgradeCode", "{66666666-7777-8888-9999-AAAAAAAAAAAA}"},
      {"ALLUSERS", "1"},
      {"MSIINSTALLPERUSER", ""},
      {"productname", "lower case is another property"},
      {"ARPHELPLINK", "https://example.invalid/"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    assert_int_equal(
        msiq_package_info_take_property(&info, rows[i][0], rows[i][1]),
        MSIQ_OK);
  }
  assert_string_equal(info.product_code,
                      "{11111111-2222-3333-4444-555555555555}");
  assert_string_equal(info.product_name, "Seven Zip");
  assert_string_equal(info.product_version, "24.08");
  assert_string_equal(info.manufacturer, "Igor");
  assert_string_equal(info.upgrade_code,
                      "{66666666-7777-8888-9999-AAAAAAAAAAAA}");
  assert_string_equal(info.all_users, "1");
  assert_null(info.install_per_user);
  assert_null(info.display_name);
  assert_int_equal(
      msiq_package_info_take_patch_metadata(&info, "Description", "long"),
      MSIQ_OK);
  assert_null(info.display_name);
  assert_int_equal(
      msiq_package_info_take_patch_metadata(&info, "DisplayName", "Fix 1"),
      MSIQ_OK);
  assert_string_equal(info.display_name, "Fix 1");
  msiq_package_info_cleanup(&info);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_kind_names_round_trip),
      cmocka_unit_test(test_patch_paths),
      cmocka_unit_test(test_compound_file_signature),
      cmocka_unit_test(test_template_gives_platform_and_languages),
      cmocka_unit_test(test_bad_templates_are_no_package),
      cmocka_unit_test(test_patch_summary),
      cmocka_unit_test(test_check_insists_on_what_a_job_needs),
      cmocka_unit_test(test_scope_from_all_users),
      cmocka_unit_test(test_labels),
      cmocka_unit_test(test_set_and_copy),
      cmocka_unit_test(test_rows_fill_the_model),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
