/* path_safety.c: judging a path from its components. See path_safety.h. */
#include "core/path_safety.h"

#include <stdio.h>
#include <string.h>

/* What the message calls the path, and what it advises when someone else
 * can change it. */
static const char *path_role_noun(msiq_path_role role) {
  switch (role) {
    case MSIQ_PATH_ROLE_PACKAGE:
      return "package";
    case MSIQ_PATH_ROLE_LOG:
      return "log";
    case MSIQ_PATH_ROLE_LOG_DIRECTORY:
      return "log folder";
  }
  return "path";
}

static const char *path_role_advice(msiq_path_role role) {
  switch (role) {
    case MSIQ_PATH_ROLE_PACKAGE:
      return "move it to a folder only administrators can change, or "
             "enqueue it with --stage";
    case MSIQ_PATH_ROLE_LOG:
      return "name a log in a folder only administrators can change";
    case MSIQ_PATH_ROLE_LOG_DIRECTORY:
      return "use a folder only administrators can change";
  }
  return "";
}

static int path_refuse(const char *path, msiq_path_role role,
                       const char *detail, const char *advice,
                       msiq_diag *diag) {
  if (advice[0] == '\0') {
    return msiq_diag_set(diag, MSIQ_EINSECURE, "refusing %s %s: %s",
                         path_role_noun(role), path, detail);
  }
  return msiq_diag_set(diag, MSIQ_EINSECURE, "refusing %s %s: %s; %s",
                       path_role_noun(role), path, detail, advice);
}

/* "it" for the path itself, else the component's path. */
static const char *path_component_name(const char *path,
                                       const msiq_path_component *component) {
  return strcmp(component->path, path) == 0 ? "it" : component->path;
}

/* The checks every existing component gets, whatever its place. */
static bool path_check_owner_and_self(const char *name,
                                      const msiq_path_component *component,
                                      char *detail, size_t size) {
  if (!component->owner_trusted) {
    snprintf(detail, size, "%s is owned by %s, who is not an administrator",
             name, component->owner != NULL ? component->owner : "someone");
    return false;
  }
  const char *who =
      component->others_who != NULL ? component->others_who : "others";
  if (component->others & MSIQ_PATH_OTHERS_PERMISSIONS) {
    snprintf(detail, size, "%s lets %s change its permissions", name, who);
    return false;
  }
  if (component->others & MSIQ_PATH_OTHERS_DELETE) {
    snprintf(detail, size, "%s can be deleted or renamed by %s", name, who);
    return false;
  }
  return true;
}

/* A folder: the one that holds the file (strict) or one on the way to it.
 * next is the component below it, NULL when it is the last described. */
static bool path_check_folder(const char *name,
                              const msiq_path_component *component,
                              const msiq_path_component *next, bool strict,
                              char *detail, size_t size) {
  const char *who =
      component->others_who != NULL ? component->others_who : "others";
  unsigned others = component->others;
  if (strict && (others & (MSIQ_PATH_OTHERS_ADD | MSIQ_PATH_OTHERS_REMOVE |
                           MSIQ_PATH_OTHERS_WRITE))) {
    snprintf(detail, size, "%s can be written by %s", name, who);
    return false;
  }
  if (others & MSIQ_PATH_OTHERS_REMOVE) {
    snprintf(detail, size, "%s lets %s delete or rename what it holds", name,
             who);
    return false;
  }
  if ((others & MSIQ_PATH_OTHERS_ADD) && next != NULL &&
      next->kind == MSIQ_PATH_ABSENT) {
    snprintf(detail, size, "%s lets %s create %s, which does not exist yet",
             name, who, next->path);
    return false;
  }
  return true;
}

int msiq_path_judge(const char *path, msiq_path_role role,
                    const msiq_path_component *components, size_t count,
                    size_t depth, msiq_diag *diag) {
  char detail[384];
  const char *advice = path_role_advice(role);
  for (size_t i = 0; i < count; i++) {
    const msiq_path_component *component = &components[i];
    const msiq_path_component *next = i + 1 < count ? &components[i + 1] : NULL;
    const char *name = path_component_name(path, component);
    bool is_last = i + 1 == depth;
    /* The log folder is judged as the folder that holds the logs. */
    bool holds_file =
        role == MSIQ_PATH_ROLE_LOG_DIRECTORY ? is_last : i + 2 == depth;
    bool must_be_file = is_last && role != MSIQ_PATH_ROLE_LOG_DIRECTORY;
    if (component->kind == MSIQ_PATH_ABSENT) {
      if (role == MSIQ_PATH_ROLE_LOG_DIRECTORY && is_last) {
        return path_refuse(path, role, "it does not exist", "", diag);
      }
      /* Nothing below it exists, and the folder above it was judged with
       * that in mind. */
      return MSIQ_OK;
    }
    if (component->kind == MSIQ_PATH_LINK) {
      snprintf(detail, sizeof detail, "%s is a symbolic link or junction",
               name);
      return path_refuse(path, role, detail, "name the real path", diag);
    }
    if (must_be_file && component->kind != MSIQ_PATH_FILE) {
      return path_refuse(path, role, "it exists and is not a regular file", "",
                         diag);
    }
    if (!must_be_file && component->kind != MSIQ_PATH_DIRECTORY) {
      snprintf(detail, sizeof detail,
               is_last ? "%s exists and is not a folder" : "%s is not a folder",
               name);
      return path_refuse(path, role, detail, "", diag);
    }
    if (!path_check_owner_and_self(name, component, detail, sizeof detail)) {
      return path_refuse(path, role, detail, advice, diag);
    }
    if (must_be_file) {
      if (component->others & MSIQ_PATH_OTHERS_WRITE) {
        snprintf(detail, sizeof detail, "%s can be written by %s", name,
                 component->others_who != NULL ? component->others_who
                                               : "others");
        return path_refuse(path, role, detail, advice, diag);
      }
    } else if (!path_check_folder(name, component, next, holds_file, detail,
                                  sizeof detail)) {
      return path_refuse(path, role, detail, advice, diag);
    }
  }
  return MSIQ_OK;
}

bool msiq_path_is_absolute(const char *path) {
  if (path == NULL) {
    return false;
  }
  if (path[0] == '/') {
    return true;
  }
  if (path[0] == '\\' && path[1] == '\\') {
    return true;
  }
  bool letter =
      (path[0] >= 'A' && path[0] <= 'Z') || (path[0] >= 'a' && path[0] <= 'z');
  return letter && path[1] == ':' && (path[2] == '\\' || path[2] == '/');
}

bool msiq_path_list_next_file(const char **cursor, char *buffer, size_t size) {
  while (*cursor != NULL && **cursor != '\0') {
    const char *entry = *cursor;
    size_t length = strcspn(entry, ";");
    *cursor = entry[length] == ';' ? entry + length + 1 : entry + length;
    if (length > 0 && entry[0] == '|') {
      entry++;
      length--;
    }
    if (length == 0 || size == 0) {
      continue;
    }
    if (length >= size) {
      /* Too long to copy: an empty path, which no host accepts, so that
       * a file is never passed over unjudged. */
      buffer[0] = '\0';
      return true;
    }
    memcpy(buffer, entry, length);
    buffer[length] = '\0';
    if (msiq_path_is_absolute(buffer)) {
      return true;
    }
  }
  if (size > 0) {
    buffer[0] = '\0';
  }
  return false;
}
