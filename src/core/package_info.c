/* package_info.c: what a Windows Installer package says about itself. See
 * package_info.h. */
#include "core/package_info.h"

#include "core/job.h"
#include "core/text.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void msiq_package_info_init(msiq_package_info *info) {
  memset(info, 0, sizeof *info);
  info->kind = MSIQ_PACKAGE_KIND_UNKNOWN;
}

/* The text fields (and a NULL after them), so that cleanup and copy walk
 * them all. */
#define PACKAGE_INFO_FIELD_COUNT 13

static void package_info_fields(msiq_package_info *info,
                                char **fields[PACKAGE_INFO_FIELD_COUNT]) {
  char **all[PACKAGE_INFO_FIELD_COUNT] = {&info->product_code,
                                          &info->product_name,
                                          &info->product_version,
                                          &info->manufacturer,
                                          &info->upgrade_code,
                                          &info->all_users,
                                          &info->install_per_user,
                                          &info->platform,
                                          &info->languages,
                                          &info->patch_code,
                                          &info->patch_targets,
                                          &info->display_name,
                                          NULL};
  memcpy(fields, all, sizeof all);
}

static void more_patch_cleanup(msiq_more_patch *patch) {
  free(patch->path);
  free(patch->patch_code);
  free(patch->patch_targets);
  free(patch->display_name);
  memset(patch, 0, sizeof *patch);
}

void msiq_package_info_cleanup(msiq_package_info *info) {
  char **fields[PACKAGE_INFO_FIELD_COUNT];
  package_info_fields(info, fields);
  for (size_t i = 0; fields[i] != NULL; i++) {
    free(*fields[i]);
  }
  for (size_t i = 0; i < info->more_patch_count; i++) {
    more_patch_cleanup(&info->more_patches[i]);
  }
  free(info->more_patches);
  msiq_package_info_init(info);
}

/* Appends a copy of the four texts; a NULL or empty one stays NULL. */
static int package_info_append_more_patch(msiq_package_info *info,
                                          const char *path,
                                          const char *patch_code,
                                          const char *patch_targets,
                                          const char *display_name) {
  msiq_more_patch added;
  memset(&added, 0, sizeof added);
  if (msiq_package_info_set(&added.path, path) != MSIQ_OK ||
      msiq_package_info_set(&added.patch_code, patch_code) != MSIQ_OK ||
      msiq_package_info_set(&added.patch_targets, patch_targets) != MSIQ_OK ||
      msiq_package_info_set(&added.display_name, display_name) != MSIQ_OK) {
    more_patch_cleanup(&added);
    return MSIQ_ENOMEM;
  }
  msiq_more_patch *grown =
      realloc(info->more_patches,
              (info->more_patch_count + 1) * sizeof *info->more_patches);
  if (grown == NULL) {
    more_patch_cleanup(&added);
    return MSIQ_ENOMEM;
  }
  info->more_patches = grown;
  grown[info->more_patch_count++] = added;
  return MSIQ_OK;
}

int msiq_package_info_add_more_patch(msiq_package_info *info, const char *path,
                                     const msiq_package_info *patch) {
  return package_info_append_more_patch(
      info, path, patch->patch_code, patch->patch_targets, patch->display_name);
}

int msiq_package_info_take_property(msiq_package_info *info, const char *name,
                                    const char *value) {
  static const struct {
    const char *name;
    size_t offset;
  } wanted[] = {
      {"ProductCode", offsetof(msiq_package_info, product_code)},
      {"ProductName", offsetof(msiq_package_info, product_name)},
      {"ProductVersion", offsetof(msiq_package_info, product_version)},
      {"Manufacturer", offsetof(msiq_package_info, manufacturer)},
      {"UpgradeCode", offsetof(msiq_package_info, upgrade_code)},
      {"ALLUSERS", offsetof(msiq_package_info, all_users)},
      {"MSIINSTALLPERUSER", offsetof(msiq_package_info, install_per_user)},
  };
  for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
    if (strcmp(name, wanted[i].name) == 0) {
      return msiq_package_info_set((char **)((char *)info + wanted[i].offset),
                                   value);
    }
  }
  return MSIQ_OK;
}

int msiq_package_info_take_patch_metadata(msiq_package_info *info,
                                          const char *name, const char *value) {
  return strcmp(name, "DisplayName") == 0
             ? msiq_package_info_set(&info->display_name, value)
             : MSIQ_OK;
}

int msiq_package_info_set(char **field, const char *value) {
  char *copy = NULL;
  if (value != NULL && value[0] != '\0') {
    copy = msiq_text_duplicate(value);
    if (copy == NULL) {
      return MSIQ_ENOMEM;
    }
  }
  free(*field);
  *field = copy;
  return MSIQ_OK;
}

int msiq_package_info_copy(msiq_package_info *to,
                           const msiq_package_info *from) {
  msiq_package_info_cleanup(to);
  char **to_fields[PACKAGE_INFO_FIELD_COUNT];
  char **from_fields[PACKAGE_INFO_FIELD_COUNT];
  package_info_fields(to, to_fields);
  /* The source is only read: the cast lets one list of fields serve both. */
  package_info_fields((msiq_package_info *)from, from_fields);
  to->kind = from->kind;
  for (size_t i = 0; to_fields[i] != NULL; i++) {
    if (msiq_package_info_set(to_fields[i], *from_fields[i]) != MSIQ_OK) {
      msiq_package_info_cleanup(to);
      return MSIQ_ENOMEM;
    }
  }
  for (size_t i = 0; i < from->more_patch_count; i++) {
    const msiq_more_patch *patch = &from->more_patches[i];
    if (package_info_append_more_patch(to, patch->path, patch->patch_code,
                                       patch->patch_targets,
                                       patch->display_name) != MSIQ_OK) {
      msiq_package_info_cleanup(to);
      return MSIQ_ENOMEM;
    }
  }
  return MSIQ_OK;
}

const char *msiq_package_kind_name(msiq_package_kind kind) {
  switch (kind) {
    case MSIQ_PACKAGE_KIND_PRODUCT:
      return "product";
    case MSIQ_PACKAGE_KIND_PATCH:
      return "patch";
    case MSIQ_PACKAGE_KIND_UNKNOWN:
      break;
  }
  return NULL;
}

int msiq_package_kind_parse(const char *text, msiq_package_kind *kind) {
  if (text != NULL && strcmp(text, "product") == 0) {
    *kind = MSIQ_PACKAGE_KIND_PRODUCT;
  } else if (text != NULL && strcmp(text, "patch") == 0) {
    *kind = MSIQ_PACKAGE_KIND_PATCH;
  } else {
    return MSIQ_EINVAL;
  }
  return MSIQ_OK;
}

bool msiq_package_path_is_patch(const char *path) {
  size_t length = strlen(path);
  if (length < 4) {
    return false;
  }
  const char *end = path + length - 4;
  return end[0] == '.' && (end[1] == 'm' || end[1] == 'M') &&
         (end[2] == 's' || end[2] == 'S') && (end[3] == 'p' || end[3] == 'P');
}

bool msiq_package_header_is_compound_file(const unsigned char *bytes,
                                          size_t count) {
  static const unsigned char signature[8] = {0xD0, 0xCF, 0x11, 0xE0,
                                             0xA1, 0xB1, 0x1A, 0xE1};
  return count >= sizeof signature &&
         memcmp(bytes, signature, sizeof signature) == 0;
}

/* True when text is a list of decimal numbers without leading zeros
 * separated by commas (an empty list too: a package may name no language),
 * so that it is also a JSON array's contents. */
static bool package_languages_are_valid(const char *text) {
  bool digit_seen = false;
  for (const char *c = text; *c != '\0'; c++) {
    if (*c >= '0' && *c <= '9') {
      bool leading_zero =
          digit_seen == false && *c == '0' && c[1] >= '0' && c[1] <= '9';
      if (leading_zero) {
        return false;
      }
      digit_seen = true;
    } else if (*c == ',' && digit_seen) {
      digit_seen = false;
    } else {
      return false;
    }
  }
  return digit_seen || text[0] == '\0';
}

int msiq_package_info_parse_template(msiq_package_info *info,
                                     const char *template_text,
                                     msiq_diag *diag) {
  /* A patch's Template lists the products it targets instead. */
  if (template_text != NULL && template_text[0] == '{') {
    return msiq_diag_set(diag, MSIQ_ENOT_PACKAGE,
                         "its summary information names target products, "
                         "as a patch's (.msp) does");
  }
  const char *semicolon =
      template_text != NULL ? strchr(template_text, ';') : NULL;
  if (semicolon == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOT_PACKAGE,
                         "its summary information names no platform and "
                         "languages (Template)");
  }
  const char *languages = semicolon + 1;
  if (!package_languages_are_valid(languages)) {
    return msiq_diag_set(diag, MSIQ_ENOT_PACKAGE,
                         "its summary information's languages are not "
                         "language ids (Template)");
  }
  size_t platform_length = (size_t)(semicolon - template_text);
  char *platform = malloc(platform_length + 1);
  if (platform == NULL) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  memcpy(platform, template_text, platform_length);
  platform[platform_length] = '\0';
  /* Windows Installer reads an empty platform as Intel (32-bit). */
  int status = msiq_package_info_set(&info->platform,
                                     platform_length > 0 ? platform : "Intel");
  free(platform);
  if (status == MSIQ_OK) {
    status = msiq_package_info_set(&info->languages, languages);
  }
  if (status != MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
}

/* Length of a braced GUID at text ({XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}),
 * 0 when text does not begin with one. */
static size_t package_guid_length(const char *text) {
  char guid[39];
  if (strlen(text) < 38) {
    return 0;
  }
  memcpy(guid, text, 38);
  guid[38] = '\0';
  return msiq_product_code_is_valid(guid) ? 38 : 0;
}

int msiq_package_info_parse_patch(msiq_package_info *info,
                                  const char *template_text,
                                  const char *revision, msiq_diag *diag) {
  if (revision == NULL || package_guid_length(revision) == 0) {
    return msiq_diag_set(diag, MSIQ_ENOT_PACKAGE,
                         "its summary information has no patch code "
                         "(Revision Number)");
  }
  /* The targets: braced GUIDs, each followed by ';' or the end. */
  const char *cursor = template_text != NULL ? template_text : "";
  if (*cursor == '\0') {
    return msiq_diag_set(diag, MSIQ_ENOT_PACKAGE,
                         "its summary information names no product it "
                         "applies to (Template)");
  }
  while (*cursor != '\0') {
    size_t length = package_guid_length(cursor);
    if (length == 0 || (cursor[length] != ';' && cursor[length] != '\0') ||
        (cursor[length] == ';' && cursor[length + 1] == '\0')) {
      return msiq_diag_set(diag, MSIQ_ENOT_PACKAGE,
                           "its summary information's targets are not "
                           "product codes separated by ';' (Template)");
    }
    cursor += length + (cursor[length] == ';' ? 1 : 0);
  }
  char code[39];
  memcpy(code, revision, 38);
  code[38] = '\0';
  if (msiq_package_info_set(&info->patch_code, code) != MSIQ_OK ||
      msiq_package_info_set(&info->patch_targets, template_text) != MSIQ_OK) {
    return msiq_diag_set(diag, MSIQ_ENOMEM, "out of memory");
  }
  return MSIQ_OK;
}

int msiq_package_info_check(const msiq_package_info *info, msiq_diag *diag) {
  switch (info->kind) {
    case MSIQ_PACKAGE_KIND_PRODUCT:
      if (info->product_code == NULL ||
          !msiq_product_code_is_valid(info->product_code)) {
        return msiq_diag_set(diag, MSIQ_ENOT_PACKAGE,
                             "it has no valid ProductCode");
      }
      if (info->product_version == NULL) {
        return msiq_diag_set(diag, MSIQ_ENOT_PACKAGE,
                             "it has no ProductVersion");
      }
      return MSIQ_OK;
    case MSIQ_PACKAGE_KIND_PATCH:
      if (info->patch_code == NULL || info->patch_targets == NULL) {
        return msiq_diag_set(diag, MSIQ_ENOT_PACKAGE,
                             "it has no patch code or no target product");
      }
      return MSIQ_OK;
    case MSIQ_PACKAGE_KIND_UNKNOWN:
      break;
  }
  return msiq_diag_set(diag, MSIQ_ENOT_PACKAGE, "nothing was read from it");
}

const char *msiq_package_info_scope(const msiq_package_info *info) {
  if (info->kind != MSIQ_PACKAGE_KIND_PRODUCT) {
    return NULL;
  }
  const char *all_users = info->all_users != NULL ? info->all_users : "";
  bool per_user_wanted = info->install_per_user != NULL &&
                         strcmp(info->install_per_user, "1") == 0;
  if (strcmp(all_users, "1") == 0) {
    return "per-machine";
  }
  if (strcmp(all_users, "2") == 0) {
    return per_user_wanted ? "per-user" : "per-machine";
  }
  return "per-user";
}

bool msiq_package_info_label(const msiq_package_info *info, char *buffer,
                             size_t size) {
  if (size == 0) {
    return false;
  }
  buffer[0] = '\0';
  const char *first = NULL;
  const char *second = NULL;
  if (info->kind == MSIQ_PACKAGE_KIND_PRODUCT) {
    first = info->product_name;
    second = info->product_version;
  } else if (info->kind == MSIQ_PACKAGE_KIND_PATCH) {
    first = info->display_name != NULL ? info->display_name : info->patch_code;
  }
  if (first == NULL) {
    return false;
  }
  size_t length = strlen(first);
  size_t second_length = second != NULL ? strlen(second) : 0;
  size_t total = length + (second != NULL ? 1 + second_length : 0);
  char *whole = malloc(total + 1);
  if (whole == NULL) {
    return false;
  }
  memcpy(whole, first, length);
  if (second != NULL) {
    whole[length] = ' ';
    memcpy(whole + length + 1, second, second_length);
  }
  whole[total] = '\0';
  /* Cut at a character boundary so a long name stays valid UTF-8. */
  size_t kept = total < size ? total : msiq_utf8_valid_prefix(whole, size - 1);
  memcpy(buffer, whole, kept);
  buffer[kept] = '\0';
  free(whole);
  return true;
}
