/* host_admission.c: the host's services for admitting a job
 * (core/admission.h), the same on every host. */
#include "host/host.h"

const msiq_admission_host msiq_host_admission = {
    msiq_host_absolute_path,
    msiq_host_file_exists,
    msiq_host_installer_command_check,
    msiq_host_check_path,
    msiq_host_now_ms,
};
