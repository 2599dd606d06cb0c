// llama.cpp's log is one process-wide stream: tests that read it run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
