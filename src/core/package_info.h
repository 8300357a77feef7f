/* package_info.h: what a Windows Installer package says about itself.
 *
 * At enqueue (and import and exec) msiq opens a reachable package read-only
 * and keeps what it names: for a product package (.msi) its ProductCode,
 * ProductName, ProductVersion, Manufacturer, UpgradeCode, ALLUSERS and
 * MSIINSTALLPERUSER and, from its summary information, the platform and
 * languages; for a patch (.msp) its patch code, the product codes it
 * targets and its display name. Admins then see "Sample App 1.0.0" in
 * `list` instead of a path on a share.
 *
 * The host reads the package (msiq_host_package_read: libmsi on POSIX,
 * msi.dll on Windows) into this model; the rules here are pure: what the
 * summary information's fields mean, what a package must hold to count as
 * one, how a job's action must agree with its package, and how the package
 * is named for people.
 */
#ifndef MSIQ_PACKAGE_INFO_H
#define MSIQ_PACKAGE_INFO_H

#include "core/msiq.h"

typedef enum msiq_package_kind {
  /* Nothing was read (--no-check, a product code, an offline share). */
  MSIQ_PACKAGE_KIND_UNKNOWN = 0,
  /* A product package: an installation database (.msi). */
  MSIQ_PACKAGE_KIND_PRODUCT,
  /* A patch package (.msp). */
  MSIQ_PACKAGE_KIND_PATCH,
} msiq_package_kind;

/* Another patch that a patch job applies in the same transaction as its
 * target (`enqueue --patch`, msiexec's /update "a.msp;b.msp"), as read at
 * enqueue: its absolute path, its code, the product codes it targets
 * (separated by semicolons) and its display name, NULL when it does not
 * say. */
typedef struct msiq_more_patch {
  char *path;
  char *patch_code;
  char *patch_targets;
  char *display_name;
} msiq_more_patch;

/* What was read from one package. Every text is owned (free()d by
 * msiq_package_info_cleanup) and NULL when the package does not say. */
typedef struct msiq_package_info {
  msiq_package_kind kind;
  /* A product's Property table. */
  char *product_code;
  char *product_name;
  char *product_version;
  char *manufacturer;
  char *upgrade_code;
  char *all_users;        /* ALLUSERS as the package sets it */
  char *install_per_user; /* MSIINSTALLPERUSER as the package sets it */
  /* A product's summary information, Template: "Platform;Languages". */
  char *platform;  /* Intel, x64, Arm64, ... ("Intel" when it is empty) */
  char *languages; /* decimal language ids separated by commas */
  /* A patch: its code (the first GUID of the summary's Revision Number),
   * the product codes it applies to (the summary's Template, separated by
   * semicolons) and its display name (MsiPatchMetadata's DisplayName, else
   * the summary's Subject). */
  char *patch_code;
  char *patch_targets;
  char *display_name;
  /* A patch job's other patches, in the order they are applied after this
   * one (the job's PATCH property holds their paths in the same order);
   * none for a job that applies one. */
  msiq_more_patch *more_patches;
  size_t more_patch_count;
} msiq_package_info;

void msiq_package_info_init(msiq_package_info *info);
void msiq_package_info_cleanup(msiq_package_info *info);

/* Replaces *field with a copy of value (NULL or "" leaves it NULL);
 * MSIQ_ENOMEM when the copy cannot be made. */
int msiq_package_info_set(char **field, const char *value);

/* One row of a product's Property table, as either host reads it: keeps the
 * value when the name is one the model holds (ProductCode, ProductName,
 * ProductVersion, Manufacturer, UpgradeCode, ALLUSERS, MSIINSTALLPERUSER)
 * and ignores every other name. Both hosts share it so that libmsi and
 * msi.dll fill the model from the same names. */
int msiq_package_info_take_property(msiq_package_info *info, const char *name,
                                    const char *value);

/* One row of a patch's MsiPatchMetadata table: keeps DisplayName. */
int msiq_package_info_take_patch_metadata(msiq_package_info *info,
                                          const char *name, const char *value);

/* Appends another patch at path to a patch job's package, taking its
 * code, targets and display name from patch (what was read from it).
 * MSIQ_ENOMEM when a copy cannot be made (info is then unchanged). */
int msiq_package_info_add_more_patch(msiq_package_info *info, const char *path,
                                     const msiq_package_info *patch);

/* Copies every field of from into to (cleaned up first), its other
 * patches too. */
int msiq_package_info_copy(msiq_package_info *to,
                           const msiq_package_info *from);

/* "product", "patch" or NULL for MSIQ_PACKAGE_KIND_UNKNOWN; parse is its
 * inverse (MSIQ_EINVAL for any other text). */
const char *msiq_package_kind_name(msiq_package_kind kind);
int msiq_package_kind_parse(const char *text, msiq_package_kind *kind);

/* True when path's file name ends in ".msp" (in any case): a patch, which
 * a job without an explicit action applies (--action patch). */
bool msiq_package_path_is_patch(const char *path);

/* True when the first bytes of a file are the signature of an OLE
 * compound file (D0 CF 11 E0 A1 B1 1A E1), which every Windows Installer
 * package is; count is how many bytes were read. */
bool msiq_package_header_is_compound_file(const unsigned char *bytes,
                                          size_t count);

/* Fills platform and languages from a product's summary Template
 * ("x64;1033,1031"; an empty platform is Intel, as Windows Installer reads
 * it). MSIQ_ENOT_PACKAGE when it has no ';' or a language is not a decimal
 * number. */
int msiq_package_info_parse_template(msiq_package_info *info,
                                     const char *template_text,
                                     msiq_diag *diag);

/* Fills patch_targets and patch_code of a patch from its summary Template
 * (product codes separated by semicolons) and Revision Number (the patch
 * code, then the codes of patches it replaces). MSIQ_ENOT_PACKAGE when the
 * revision does not begin with a braced GUID or a target is not one. */
int msiq_package_info_parse_patch(msiq_package_info *info,
                                  const char *template_text,
                                  const char *revision, msiq_diag *diag);

/* MSIQ_OK when what was read makes a package a job can run: a product with
 * a ProductCode (a braced GUID) and a ProductVersion, a patch with a patch
 * code and at least one target; else MSIQ_ENOT_PACKAGE naming what is
 * missing. */
int msiq_package_info_check(const msiq_package_info *info, msiq_diag *diag);

/* Who a product installs for, from ALLUSERS and MSIINSTALLPERUSER:
 * "per-machine" (ALLUSERS=1, or 2 without MSIINSTALLPERUSER=1), "per-user"
 * (ALLUSERS unset or empty, or 2 with MSIINSTALLPERUSER=1: a dual-purpose
 * package that installs for the user unless told otherwise; ALLUSERS=1 on
 * the job's properties still makes it per-machine). NULL for a patch or
 * an unknown package. */
const char *msiq_package_info_scope(const msiq_package_info *info);

/* The package as people name it, into buffer: "ProductName ProductVersion"
 * for a product, the display name (else the patch code) for a patch; false
 * (buffer "") when nothing is known. A label longer than the buffer is cut
 * at a character boundary. */
bool msiq_package_info_label(const msiq_package_info *info, char *buffer,
                             size_t size);

#endif /* MSIQ_PACKAGE_INFO_H */
