data_root = '{{$MML_TEST_REQUIRED_VAR:}}'
