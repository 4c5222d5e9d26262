# Fault tests of tapegrad-train (included by examples/CMakeLists.txt): a kill inside a checkpoint
# save, saves that cannot be written, diverging runs. See README, Reliability.
foreach(script train_kill_during_save train_save_failures train_divergence)
  add_test(NAME ${script}
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/${script}.sh $<TARGET_FILE:tapegrad-train> ${CMAKE_CURRENT_BINARY_DIR}/${script})
  set_tests_properties(${script} PROPERTIES TIMEOUT 600 LABELS examples)
endforeach()
# The fault-injection variable itself rejects a malformed value instead of ignoring it.
add_test(NAME train_rejects_bad_fault_spec COMMAND tapegrad-train --epochs 1 --train-samples 100 --test-samples 100
         --checkpoint ${CMAKE_CURRENT_BINARY_DIR}/bad_fault_spec/ck.safetensors)
set_tests_properties(train_rejects_bad_fault_spec PROPERTIES ENVIRONMENT "TAPEGRAD_FAULT_KILL_WRITE=two"
  PASS_REGULAR_EXPRESSION "tapegrad-train: error: TAPEGRAD_FAULT_KILL_WRITE: expected <k>:<bytes>")
