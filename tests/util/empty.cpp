// keeps npukit_test_util non-empty
