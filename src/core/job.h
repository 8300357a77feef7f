/* job.h: the job model and its validation.
 *
 * A msiq_job_spec is what a user asks for (from `enqueue` arguments or an
 * `import` manifest); a msiq_job is what the store holds, read back with every
 * field. Validation lives here so that enqueue and import apply exactly the
 * same rules.
 */
#ifndef MSIQ_JOB_H
#define MSIQ_JOB_H

#include "core/msiq.h"
#include "core/package_info.h"

typedef struct msiq_property {
  char *name;
  char *value;
} msiq_property;

/* How an installer exit code is judged; see docs/dispatcher.md. */
#define MSIQ_OUTCOME_MAP(XX)                                                   \
  XX(SUCCESS, "success")                                                       \
  XX(REBOOT, "reboot")                                                         \
  XX(RETRY, "retry")                                                           \
  XX(FAIL, "fail")

typedef enum msiq_outcome {
#define MSIQ_OUTCOME_ENUM(name, text) MSIQ_OUTCOME_##name,
  MSIQ_OUTCOME_MAP(MSIQ_OUTCOME_ENUM)
#undef MSIQ_OUTCOME_ENUM
      MSIQ_OUTCOME_COUNT
} msiq_outcome;

const char *msiq_outcome_name(msiq_outcome outcome);
int msiq_outcome_parse(const char *text, msiq_outcome *outcome);

/* A per-job override of the default exit-code table (`--exit-code 1603=retry`).
 */
typedef struct msiq_exit_code_rule {
  int64_t code;
  msiq_outcome outcome;
} msiq_exit_code_rule;

/* Default number of attempts when a job does not say. */
#define MSIQ_DEFAULT_MAX_ATTEMPTS 10

/* The most patches one patch job applies together, its target with them
 * (`--patch`, msiexec's /update "a.msp;b.msp"). Windows Installer has no
 * such limit; each patch is read at enqueue and asked about at every
 * start, and a patch night rarely needs more than a handful at once. */
#define MSIQ_JOB_PATCH_COUNT_MAX 32

/* The most properties one job may set. Real packages take a handful; the
 * limit keeps one job from making an enqueue or an import slow (every
 * property is checked and stored), and no command line could carry many
 * more (see docs/cli.md, "Limits"). */
#define MSIQ_JOB_PROPERTY_COUNT_MAX 1000

/* The longest property value, in bytes of UTF-8: every installer gets the
 * job as a request of lines of at most 8,191 bytes (MSIQ_WORKER_LINE_MAX,
 * core/worker_protocol.h), and one property is one line with its name, so
 * a value much longer could never be passed on (admission also builds the
 * request and the command line, which catch a long name or a value whose
 * backslashes double). */
#define MSIQ_PROPERTY_VALUE_SIZE_MAX 8000

/* The properties that carry the sequences' own arguments: a job's
 * transforms (`--transform`, msiexec's TRANSFORMS or /t), an
 * administrative image's folder and patches (TARGETDIR and PATCH, msiexec
 * /a's TARGETDIR and /p), the patches a patch job applies together with
 * its target (PATCH, msiexec's /update "a.msp;b.msp") and an
 * advertisement's language (`--language`, msiexec /g). Stored as
 * properties so that they travel with the job like any other; the msiexec
 * command and the worker's call turn an advertisement's two, and a patch
 * job's PATCH, into their own switches or arguments. */
#define MSIQ_TRANSFORMS_PROPERTY "TRANSFORMS"
#define MSIQ_TARGETDIR_PROPERTY  "TARGETDIR"
#define MSIQ_PATCH_PROPERTY      "PATCH"
#define MSIQ_LANGUAGE_PROPERTY   "ProductLanguage"
/* The patch an unpatch job removes (`--patch-code`, msiexec's
 * MSIPATCHREMOVE or /uninstall {PatchCode}): one braced patch code, set on
 * the installed product the job's target names. Windows Installer reads
 * the property itself, in msiexec /package and in MsiConfigureProductExW
 * alike, so the job needs nothing else. */
#define MSIQ_PATCHREMOVE_PROPERTY "MSIPATCHREMOVE"

/* True when text is a decimal language id (0 to 65535); sets *language. */
bool msiq_language_id_parse(const char *text, unsigned *language);

/* A transform or a further patch that `enqueue --stage` copied into the
 * queue's own folder beside the package: the copy (which the job's
 * TRANSFORMS or PATCH property names), where it came from, and the
 * SHA-256 of what was copied (64 lowercase hexadecimal digits), which the
 * dispatcher checks before each start, as it checks the package's. */
typedef struct msiq_staged_file {
  char *path;
  char *source;
  char *sha256;
} msiq_staged_file;

/* The fields a user supplies. The spec owns every string and array it holds:
 * build it with msiq_job_spec_init() and the msiq_job_spec_* setters, release
 * it with msiq_job_spec_cleanup(). */
typedef struct msiq_job_spec {
  msiq_action action;
  char *target;
  msiq_property *properties;
  size_t property_count;
  int64_t priority;
  int64_t not_before;   /* UTC ms, or MSIQ_TIME_UNSET */
  int64_t deadline;     /* UTC ms, or MSIQ_TIME_UNSET */
  int64_t max_attempts; /* 1 or more */
  int64_t timeout_ms;   /* 0 means the dispatcher's default */
  char *key;            /* idempotency key, or NULL */
  char *log_path;       /* or NULL for the default per-job log */
  /* msiexec's /l letters in their canonical form (core/log_mode.h), or
   * NULL for msiq's default: /l*v, each line flushed by the worker. */
  char *log_mode;
  int64_t *after; /* ids this job waits for */
  size_t after_count;
  msiq_exit_code_rule *exit_code_rules;
  size_t exit_code_rule_count;
  /* Skips the check that an install or patch target exists now (for shares
   * that are offline at enqueue time). Not stored. */
  bool no_check;
  /* The package is to be copied into the queue's own folder (`enqueue
   * --stage`), so its source need not be safe. Not stored. */
  bool stage;
  /* A staged job: the copy's SHA-256 (64 lowercase hex digits) and where
   * it was copied from; target is the copy. Both NULL otherwise. */
  char *package_sha256;
  char *package_source;
  /* The transforms and further patches staged with the package. */
  msiq_staged_file *staged_files;
  size_t staged_file_count;
  /* Keys of jobs this one waits for; resolved to ids by the store inside the
   * enqueue transaction (import manifests may refer to keys). */
  char **after_keys;
  size_t after_key_count;
  /* The action was given (`--action`, a manifest's "action", exec's
   * switch) rather than taken by default, so a .msp target does not turn
   * it into a patch (core/admission.h). Not stored. */
  bool action_given;
  /* `enqueue --reinstall`, a manifest's "reinstall": true: admission adds
   * REINSTALL=ALL and REINSTALLMODE=vomus (msiq_job_spec_add_reinstall),
   * which make an install run although its product is installed at the
   * same version. Not stored (the properties are). */
  bool reinstall;
  /* What admission read from the package (core/package_info.h); its kind
   * is MSIQ_PACKAGE_KIND_UNKNOWN when nothing was read. */
  msiq_package_info package;
  /* The sequences' own arguments, as given (`--transform`, `--patch`,
   * `--target-dir`, `--language`, a manifest's "transforms", "patches",
   * "target_dir", "language"): admission checks each against the action,
   * makes the paths absolute, checks that the files exist and turns them
   * into the TRANSFORMS, PATCH, TARGETDIR and ProductLanguage properties.
   * Not stored (the properties are). */
  char **transforms;
  size_t transform_count;
  char **patch_paths;
  size_t patch_path_count;
  char *target_dir;
  char *language;
  /* `--patch-code`, a manifest's "patch_code": the patch an unpatch job
   * removes, turned into the MSIPATCHREMOVE property by admission. Not
   * stored (the property is). */
  char *patch_code;
  /* `--related`, a manifest's "related": true: the target of an uninstall
   * is an UpgradeCode, and the job removes every product installed with
   * it (docs/packages.md, "Removing every product of an UpgradeCode"). */
  bool related;
} msiq_job_spec;

void msiq_job_spec_init(msiq_job_spec *spec);
void msiq_job_spec_cleanup(msiq_job_spec *spec);
/* Frees the sequence arguments (transforms, image patches, target folder,
 * language, patch code) and empties them: admission turns them into properties,
 * so a spec admitted again (a rehearsal) adds none twice. */
void msiq_job_spec_forget_sequence_arguments(msiq_job_spec *spec);
int msiq_job_spec_set_target(msiq_job_spec *spec, const char *target);
int msiq_job_spec_set_key(msiq_job_spec *spec, const char *key);
int msiq_job_spec_set_log_path(msiq_job_spec *spec, const char *path);
/* Reads msiexec's /l letters ("*v", "VOICEWARMUP", "*vx+!") and keeps
 * their canonical text; MSIQ_EINVAL naming a letter that is not one of
 * msiexec's (log_mode.h), the spec unchanged. */
int msiq_job_spec_set_log_mode(msiq_job_spec *spec, const char *letters,
                               msiq_diag *diag);
/* Makes the job run the staged copy at staged_path (SHA-256 sha256) of the
 * package it named, which is kept as the source. */
int msiq_job_spec_set_staged(msiq_job_spec *spec, const char *staged_path,
                             const char *sha256);
/* Appends NAME=VALUE after validating both (the name rule, the value's
 * characters and MSIQ_PROPERTY_VALUE_SIZE_MAX) and refuses the property
 * beyond MSIQ_JOB_PROPERTY_COUNT_MAX. A name given twice is refused by
 * msiq_job_spec_validate(), which sorts the names once (n log n) instead
 * of looking through the list at every append: msiexec would silently keep
 * only one of the two values. */
int msiq_job_spec_add_property(msiq_job_spec *spec, const char *name,
                               const char *value, msiq_diag *diag);
/* Parses "NAME=VALUE" and appends it. */
int msiq_job_spec_add_property_assignment(msiq_job_spec *spec,
                                          const char *assignment,
                                          msiq_diag *diag);
/* Adds REINSTALL=ALL and REINSTALLMODE=vomus (every feature again, files
 * and registry rewritten, the cached package replaced), so that an install
 * of a product installed at the same version runs anyway. MSIQ_EUSAGE for
 * an action other than install, or when the job sets REINSTALL or
 * REINSTALLMODE itself. */
int msiq_job_spec_add_reinstall(msiq_job_spec *spec, msiq_diag *diag);
int msiq_job_spec_add_after(msiq_job_spec *spec, int64_t id);
/* Append a transform (.mst), or a patch (.msp) that patches an
 * administrative image or is applied together with a patch job's target,
 * as given; set the folder of an administrative image or the language of an
 * advertisement. Checked by admission (core/admission.h). */
int msiq_job_spec_add_transform(msiq_job_spec *spec, const char *path);
int msiq_job_spec_add_patch_path(msiq_job_spec *spec, const char *path);
int msiq_job_spec_set_target_dir(msiq_job_spec *spec, const char *path);
int msiq_job_spec_set_language(msiq_job_spec *spec, const char *language);
/* Appends a staged transform or further patch (copies of the three
 * texts) to the files array of a spec or a job; MSIQ_ENOMEM leaves it as
 * it was. */
int msiq_staged_files_add(msiq_staged_file **files, size_t *count,
                          const char *path, const char *source,
                          const char *sha256);
void msiq_staged_files_free(msiq_staged_file *files, size_t count);
/* Sets the patch code an unpatch job removes; checked by admission. */
int msiq_job_spec_set_patch_code(msiq_job_spec *spec, const char *patch_code);
int msiq_job_spec_add_after_key(msiq_job_spec *spec, const char *key);
/* Parses "CODE=success|reboot|retry|fail" and appends it. */
int msiq_job_spec_add_exit_code_rule(msiq_job_spec *spec, const char *text,
                                     msiq_diag *diag);

/* Checks everything that can be checked without the database: target form
 * for the action, property names and values, the property limits and
 * duplicate names, deadline after not-before, attempt count and timeout
 * ranges. Its cost grows as n log n with the number of properties, and it
 * runs before any transaction (core/admission.h). */
int msiq_job_spec_validate(const msiq_job_spec *spec, msiq_diag *diag);

/* Individual rules, exposed for tests and for the import reader. */
bool msiq_property_name_is_valid(const char *name);
bool msiq_product_code_is_valid(const char *text);
/* Property values may not contain a newline, carriage return or NUL (the NUL
 * case arrives as an explicit length longer than strlen). */
bool msiq_property_value_is_valid(const char *value, size_t length);
/* The value of the first property called name (case-sensitive, as Windows
 * Installer's names are), or NULL when none is. */
const char *msiq_property_value_of(const msiq_property *properties,
                                   size_t property_count, const char *name);
/* The property whose ';'-separated list names the files an action's
 * installer reads beside its package: TRANSFORMS for an install or an
 * advertisement, PATCH for a patch job or an administrative image; NULL
 * for the other actions. The dispatcher judges those files again before a
 * start, and `enqueue --stage` copies them. */
const char *msiq_action_file_list_property(msiq_action action);

/* A job as stored, with every field. */
typedef struct msiq_job {
  int64_t id;
  msiq_state state;
  msiq_action action;
  char *target;
  msiq_property *properties;
  size_t property_count;
  int64_t priority;
  int64_t not_before;
  int64_t deadline;
  int64_t max_attempts;
  int64_t timeout_ms;
  char *key;
  char *log_path;
  char *log_mode; /* canonical /l letters, or NULL for msiq's default */
  int64_t *after;
  size_t after_count;
  msiq_exit_code_rule *exit_code_rules;
  size_t exit_code_rule_count;
  int64_t attempts;
  bool has_exit_code;
  int64_t exit_code;
  bool reboot_required;
  char *last_error;
  /* A staged job's copy (target) has this SHA-256, and was copied from
   * package_source; both NULL for other jobs. */
  char *package_sha256;
  char *package_source;
  /* The transforms and further patches staged with it (msiq_job_spec). */
  msiq_staged_file *staged_files;
  size_t staged_file_count;
  /* What the package said at enqueue; kind MSIQ_PACKAGE_KIND_UNKNOWN when
   * it was not read (--no-check, a product code, a job from before). */
  msiq_package_info package;
  /* An uninstall whose target is an UpgradeCode (msiq_job_spec.related). */
  bool related;
  int64_t created_at;
  int64_t started_at;
  int64_t finished_at;
  int64_t retry_at;
  bool cancel_requested;
} msiq_job;

void msiq_job_init(msiq_job *job);
void msiq_job_cleanup(msiq_job *job);

#endif /* MSIQ_JOB_H */
