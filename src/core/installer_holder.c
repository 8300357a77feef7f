/* installer_holder.c: see installer_holder.h. */
#include "core/installer_holder.h"

#include <stdio.h>
#include <string.h>

#include "core/text.h"

const char *msiq_holder_source_name(msiq_holder_source source) {
  switch (source) {
    case MSIQ_HOLDER_SOURCE_EVENT_LOG:
      return "event log";
    case MSIQ_HOLDER_SOURCE_PROCESS_LIST:
      return "process list";
    case MSIQ_HOLDER_SOURCE_NONE:
      break;
  }
  return "none";
}

bool msiq_installer_holder_known(const msiq_installer_holder *holder) {
  return holder->source != MSIQ_HOLDER_SOURCE_NONE &&
         (holder->package[0] != '\0' || holder->command_line[0] != '\0' ||
          holder->process_id > 0);
}

void msiq_installer_holder_describe(const msiq_installer_holder *holder,
                                    char *text, size_t size) {
  if (size == 0) {
    return;
  }
  text[0] = '\0';
  if (!msiq_installer_holder_known(holder)) {
    return;
  }
  const char *what =
      holder->command_line[0] != '\0' ? holder->command_line : holder->package;
  if (what[0] != '\0' && holder->process_id > 0) {
    snprintf(text, size, "%s (process %lld)", what,
             (long long)holder->process_id);
  } else if (what[0] != '\0') {
    snprintf(text, size, "%s", what);
  } else {
    snprintf(text, size, "process %lld", (long long)holder->process_id);
  }
  /* A command line may hold a line break; the waiting line must not. */
  for (char *c = text; *c != '\0'; c++) {
    if (msiq_character_is_control((unsigned char)*c)) {
      *c = ' ';
    }
  }
}

/* Reading the XML. EvtRender writes one element per line or all on one
 * line, with single quotes around attribute values; a reader that also
 * takes double quotes and any white space costs nothing. This is not a
 * general XML parser: it finds the few elements an MsiInstaller event has,
 * in their fixed places, and refuses what it cannot read. */

/* The first start tag `<name` followed by white space, '>' or '/', in
 * [from, end); NULL if none. */
static const char *xml_find_tag(const char *from, const char *end,
                                const char *name) {
  size_t length = strlen(name);
  for (const char *at = from; at != NULL && at + length + 1 < end;) {
    at = strchr(at, '<');
    if (at == NULL || at + length + 1 >= end) {
      return NULL;
    }
    if (strncmp(at + 1, name, length) == 0) {
      char next = at[1 + length];
      if (next == '>' || next == '/' || next == ' ' || next == '\t' ||
          next == '\r' || next == '\n') {
        return at;
      }
    }
    at++;
  }
  return NULL;
}

/* The end tag `</name>` in [from, end); NULL if none. */
static const char *xml_find_end_tag(const char *from, const char *end,
                                    const char *name) {
  char tag[32];
  snprintf(tag, sizeof tag, "</%s>", name);
  const char *at = strstr(from, tag);
  return at != NULL && at + strlen(tag) <= end ? at : NULL;
}

/* Copies [from, to) into out with the five XML entities and character
 * references decoded. False on an entity it does not know or text too
 * long. */
static bool xml_decode(const char *from, const char *to, char *out,
                       size_t size) {
  size_t used = 0;
  while (from < to) {
    char bytes[4];
    size_t count = 1;
    bytes[0] = *from;
    if (*from == '&') {
      const char *semicolon = memchr(from, ';', (size_t)(to - from));
      if (semicolon == NULL) {
        return false;
      }
      size_t length = (size_t)(semicolon - from - 1);
      const char *name = from + 1;
      static const struct {
        const char *name;
        char character;
      } entities[] = {{"amp", '&'},
                      {"lt", '<'},
                      {"gt", '>'},
                      {"quot", '"'},
                      {"apos", '\''}};
      bool known = false;
      for (size_t i = 0; i < sizeof entities / sizeof entities[0]; i++) {
        if (strlen(entities[i].name) == length &&
            strncmp(name, entities[i].name, length) == 0) {
          bytes[0] = entities[i].character;
          known = true;
        }
      }
      if (!known && length >= 2 && name[0] == '#') {
        bool hex = name[1] == 'x' || name[1] == 'X';
        unsigned long code = 0;
        size_t digits = 0;
        for (const char *c = name + (hex ? 2 : 1); c < semicolon; c++) {
          int value = -1;
          if (*c >= '0' && *c <= '9') {
            value = *c - '0';
          } else if (hex && *c >= 'a' && *c <= 'f') {
            value = *c - 'a' + 10;
          } else if (hex && *c >= 'A' && *c <= 'F') {
            value = *c - 'A' + 10;
          }
          if (value < 0 || code > 0x10FFFF) {
            return false;
          }
          code = code * (hex ? 16 : 10) + (unsigned long)value;
          digits++;
        }
        count = digits > 0 && code > 0 ? msiq_utf8_encode(code, bytes) : 0;
        known = count > 0;
      }
      if (!known) {
        return false;
      }
      from = semicolon + 1;
    } else {
      from++;
    }
    if (used + count >= size) {
      return false;
    }
    memcpy(out + used, bytes, count);
    used += count;
  }
  out[used] = '\0';
  return true;
}

/* The value of attribute `name` of the start tag at tag (up to its '>'). */
static bool xml_attribute(const char *tag, const char *end, const char *name,
                          char *out, size_t size) {
  const char *close = memchr(tag, '>', (size_t)(end - tag));
  if (close == NULL) {
    return false;
  }
  size_t length = strlen(name);
  for (const char *at = tag + 1; at + length + 2 < close; at++) {
    if ((at[-1] == ' ' || at[-1] == '\t' || at[-1] == '\n' || at[-1] == '\r') &&
        strncmp(at, name, length) == 0 && at[length] == '=' &&
        (at[length + 1] == '\'' || at[length + 1] == '"')) {
      char quote = at[length + 1];
      const char *value = at + length + 2;
      const char *value_end = memchr(value, quote, (size_t)(close - value));
      return value_end != NULL && xml_decode(value, value_end, out, size);
    }
  }
  return false;
}

/* The text of the element whose start tag is at tag: [*text, *text_end).
 * An empty element (<Data/>) has empty text. False when its end tag is
 * missing. */
static bool xml_element_text(const char *tag, const char *end, const char *name,
                             const char **text, const char **text_end) {
  const char *close = memchr(tag, '>', (size_t)(end - tag));
  if (close == NULL) {
    return false;
  }
  if (close[-1] == '/') {
    *text = *text_end = close;
    return true;
  }
  const char *end_tag = xml_find_end_tag(close + 1, end, name);
  if (end_tag == NULL) {
    return false;
  }
  *text = close + 1;
  *text_end = end_tag;
  return true;
}

/* A positive decimal number with optional white space around it. */
static bool parse_positive(const char *from, const char *to, int64_t *out) {
  while (from < to &&
         (*from == ' ' || *from == '\t' || *from == '\r' || *from == '\n')) {
    from++;
  }
  while (to > from && (to[-1] == ' ' || to[-1] == '\t' || to[-1] == '\r' ||
                       to[-1] == '\n')) {
    to--;
  }
  if (from == to || to - from > 18) {
    return false;
  }
  int64_t value = 0;
  for (const char *c = from; c < to; c++) {
    if (*c < '0' || *c > '9') {
      return false;
    }
    value = value * 10 + (*c - '0');
  }
  *out = value;
  return value > 0;
}

int msiq_msi_event_parse(const char *xml, msiq_msi_event *out,
                         msiq_diag *diag) {
  memset(out, 0, sizeof *out);
  if (xml == NULL) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "no event text");
  }
  const char *end = xml + strlen(xml);
  const char *event = xml_find_tag(xml, end, "Event");
  const char *event_end =
      event != NULL ? xml_find_end_tag(event, end, "Event") : NULL;
  if (event_end == NULL) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "not an event: no <Event> ... "
                         "</Event>");
  }
  const char *provider = xml_find_tag(event, event_end, "Provider");
  char provider_name[128];
  if (provider == NULL || !xml_attribute(provider, event_end, "Name",
                                         provider_name, sizeof provider_name)) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "the event names no provider");
  }
  const char *id_tag = xml_find_tag(event, event_end, "EventID");
  const char *id_text = NULL;
  const char *id_text_end = NULL;
  int64_t event_id = 0;
  if (id_tag == NULL ||
      !xml_element_text(id_tag, event_end, "EventID", &id_text, &id_text_end) ||
      !parse_positive(id_text, id_text_end, &event_id)) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "the event has no valid <EventID>");
  }
  if (strcmp(provider_name, "MsiInstaller") != 0 ||
      (event_id != MSIQ_MSI_EVENT_TRANSACTION_BEGIN &&
       event_id != MSIQ_MSI_EVENT_TRANSACTION_END)) {
    return msiq_diag_set(diag, MSIQ_ENOT_FOUND,
                         "event %lld of %s is not a Windows Installer "
                         "transaction event",
                         (long long)event_id, provider_name);
  }
  const char *data = xml_find_tag(event, event_end, "EventData");
  const char *data_end =
      data != NULL ? xml_find_end_tag(data, event_end, "EventData") : NULL;
  if (data_end == NULL) {
    return msiq_diag_set(diag, MSIQ_EINVAL, "event %lld has no <EventData>",
                         (long long)event_id);
  }
  /* The message's values in order: %1 the package, %2 the client process
   * id. */
  const char *values[2][2];
  const char *at = data + 1;
  for (int i = 0; i < 2; i++) {
    const char *tag = xml_find_tag(at, data_end, "Data");
    if (tag == NULL || !xml_element_text(tag, data_end, "Data", &values[i][0],
                                         &values[i][1])) {
      return msiq_diag_set(diag, MSIQ_EINVAL,
                           "event %lld has fewer than two <Data> values",
                           (long long)event_id);
    }
    at = values[i][1];
  }
  if (!xml_decode(values[0][0], values[0][1], out->package,
                  sizeof out->package)) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "event %lld: the package cannot be read",
                         (long long)event_id);
  }
  if (!parse_positive(values[1][0], values[1][1], &out->process_id)) {
    return msiq_diag_set(diag, MSIQ_EINVAL,
                         "event %lld: the client process id is not a number",
                         (long long)event_id);
  }
  out->event_id = (unsigned)event_id;
  return MSIQ_OK;
}

/* How many ended transactions the walk remembers: the events of the last
 * hour on a busy machine, with room to spare. Beyond it an older begin may
 * be taken for open, which only names a holder that has finished. */
#define HOLDER_ENDED_MAX 256

bool msiq_installer_holder_from_events(const char *const *events, size_t count,
                                       msiq_installer_holder *out) {
  memset(out, 0, sizeof *out);
  int64_t ended[HOLDER_ENDED_MAX];
  size_t ended_count = 0;
  for (size_t i = 0; i < count; i++) {
    msiq_msi_event event;
    msiq_diag diag;
    if (msiq_msi_event_parse(events[i], &event, &diag) != MSIQ_OK) {
      continue;
    }
    bool has_ended = false;
    for (size_t j = 0; j < ended_count; j++) {
      has_ended = has_ended || ended[j] == event.process_id;
    }
    if (event.event_id == MSIQ_MSI_EVENT_TRANSACTION_END) {
      if (!has_ended && ended_count < HOLDER_ENDED_MAX) {
        ended[ended_count++] = event.process_id;
      }
    } else if (has_ended) {
      /* This begin's end came later: it is over. One end closes one begin,
       * so an earlier begin of the same process is judged afresh. */
      for (size_t j = 0; j < ended_count; j++) {
        if (ended[j] == event.process_id) {
          ended[j] = ended[--ended_count];
          break;
        }
      }
    } else {
      out->source = MSIQ_HOLDER_SOURCE_EVENT_LOG;
      out->process_id = event.process_id;
      snprintf(out->package, sizeof out->package, "%s", event.package);
      return true;
    }
  }
  return false;
}

bool msiq_installer_holder_is_service_process(const char *command_line) {
  /* The service starts "C:\Windows\system32\msiexec.exe /V": its only
   * argument is /V (or -V), in either case. */
  const char *at = command_line;
  while (*at == ' ' || *at == '\t') {
    at++;
  }
  /* Skip the program, quoted or not. */
  if (*at == '"') {
    const char *close = strchr(at + 1, '"');
    at = close != NULL ? close + 1 : at + strlen(at);
  } else {
    while (*at != '\0' && *at != ' ' && *at != '\t') {
      at++;
    }
  }
  while (*at == ' ' || *at == '\t') {
    at++;
  }
  if ((at[0] != '/' && at[0] != '-') || (at[1] != 'V' && at[1] != 'v')) {
    return false;
  }
  at += 2;
  while (*at == ' ' || *at == '\t') {
    at++;
  }
  return *at == '\0';
}
