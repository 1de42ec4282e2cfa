data_root = '{{$MML_TEST_DATA_ROOT:/data/default}}/images'
model = dict(num_classes={{'$MML_TEST_NUM_CLASSES:80'}})
