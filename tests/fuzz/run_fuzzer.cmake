# Runs one libFuzzer harness for ctest (tests/fuzz/CMakeLists.txt):
#   cmake -DFUZZER=EXE -DNAME=N -DSEEDS=DIR -DARTIFACTS=DIR -DTIMEOUT=S
#         [-DWORK=DIR -DSECONDS=S] [-DREPLAY=ON] [-DFLAGS="..."]
#         [-DDICT=FILE]
#         -P run_fuzzer.cmake
# Fuzzing: copies the seed corpus SEEDS into the working corpus WORK (in the
# build tree; libFuzzer adds what it finds there, never to the source tree)
# and fuzzes for SECONDS. REPLAY=ON: runs each seed once, no fuzzing.
# Prints a summary (executions, coverage, findings); on a finding, prints
# libFuzzer's whole report and the crashing input, and fails.

foreach(required FUZZER NAME SEEDS ARTIFACTS TIMEOUT)
  if(NOT DEFINED ${required})
    message(FATAL_ERROR "run_fuzzer.cmake: ${required} is not set")
  endif()
endforeach()
separate_arguments(flags UNIX_COMMAND "${FLAGS}")
if(DEFINED DICT AND EXISTS "${DICT}")
  list(APPEND flags "-dict=${DICT}")
endif()

file(REMOVE_RECURSE "${ARTIFACTS}")
file(MAKE_DIRECTORY "${ARTIFACTS}")
set(common -timeout=${TIMEOUT} -rss_limit_mb=2048 -print_final_stats=1
           "-artifact_prefix=${ARTIFACTS}/")

if(REPLAY)
  set(command "${FUZZER}" ${flags} ${common} -runs=0 "${SEEDS}")
else()
  if(NOT DEFINED WORK OR NOT DEFINED SECONDS)
    message(FATAL_ERROR "run_fuzzer.cmake: WORK and SECONDS are needed")
  endif()
  file(MAKE_DIRECTORY "${WORK}")
  file(GLOB seed_files "${SEEDS}/*")
  if(seed_files)
    file(COPY ${seed_files} DESTINATION "${WORK}")
  endif()
  set(command "${FUZZER}" ${flags} ${common} -max_total_time=${SECONDS}
              "${WORK}")
endif()

# The harness's working directory: relative paths the CLI harness is given
# resolve here, away from the source tree and the corpus.
execute_process(
  COMMAND ${command}
  WORKING_DIRECTORY "${ARTIFACTS}"
  RESULT_VARIABLE result
  OUTPUT_VARIABLE output
  ERROR_VARIABLE output)

# Figures from libFuzzer's output.
set(executions "?")
set(per_second "?")
set(new_units "?")
set(rss "?")
set(coverage "?")
set(features "?")
set(corpus "?")
if(output MATCHES "stat::number_of_executed_units: ([0-9]+)")
  set(executions "${CMAKE_MATCH_1}")
endif()
if(output MATCHES "stat::average_exec_per_sec: +([0-9]+)")
  set(per_second "${CMAKE_MATCH_1}")
endif()
if(output MATCHES "stat::new_units_added: +([0-9]+)")
  set(new_units "${CMAKE_MATCH_1}")
endif()
if(output MATCHES "stat::peak_rss_mb: +([0-9]+)")
  set(rss "${CMAKE_MATCH_1}")
endif()
# The last status line carries the final coverage.
string(REGEX MATCHALL "cov: [0-9]+ ft: [0-9]+ corp: [0-9]+" status_lines
       "${output}")
if(status_lines)
  list(GET status_lines -1 last)
  string(REGEX MATCH "cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+)" _ "${last}")
  set(coverage "${CMAKE_MATCH_1}")
  set(features "${CMAKE_MATCH_2}")
  set(corpus "${CMAKE_MATCH_3}")
endif()
file(GLOB findings "${ARTIFACTS}/crash-*" "${ARTIFACTS}/leak-*"
     "${ARTIFACTS}/timeout-*" "${ARTIFACTS}/oom-*")
list(LENGTH findings finding_count)

# The libFuzzer lines worth keeping in a passing log: start, end, stats.
string(REGEX MATCHALL "[^\n]*(INFO: Seed|INITED|DONE|Done [0-9]+ runs|stat::)[^\n]*"
       summary_lines "${output}")
foreach(line IN LISTS summary_lines)
  message("  ${line}")
endforeach()

if(NOT result EQUAL 0 OR finding_count GREATER 0)
  message("---- libFuzzer output ----\n${output}\n---- end ----")
  foreach(finding IN LISTS findings)
    file(SIZE "${finding}" finding_size)
    file(READ "${finding}" finding_hex LIMIT 4096 HEX)
    message("finding: ${finding} (${finding_size} bytes)\n  hex: ${finding_hex}")
  endforeach()
  message(FATAL_ERROR
    "${NAME}: FAILED after ${executions} executions: exit ${result}, "
    "${finding_count} finding(s) in ${ARTIFACTS}")
endif()
message("${NAME}: ${executions} executions (${per_second}/s), cov: ${coverage} "
        "ft: ${features}, corpus ${corpus} inputs (${new_units} new), peak "
        "rss ${rss} MB, 0 findings")
