#!/bin/sh
# scout plan: Llama 3.1 70B Instruct on 4 x L40S, TP 4, BF16.
# vLLM should log: Available KV cache memory: 4.59 GiB
# vLLM should log: GPU KV cache size: 60,192 tokens
# vLLM should log: Maximum concurrency for 8,192 tokens per request: 7.35x
# Every node (1) runs the same command: 1 replica of 4 GPUs behind one API server.
vllm serve meta-llama/Llama-3.1-70B-Instruct --host 0.0.0.0 --port 8000 --tensor-parallel-size 4 --max-model-len 8192 --gpu-memory-utilization 0.9
