#!/bin/sh
# scout plan: Llama 3.1 8B Instruct on 1 x H100 SXM 80GB, TP 1, BF16.
# vLLM should log: Available KV cache memory: 51.41 GiB
# vLLM should log: GPU KV cache size: 421,184 tokens
# vLLM should log: Maximum concurrency for 8,192 tokens per request: 51.41x
# Every node (1) runs the same command: 1 replica of 1 GPU behind one API server.
vllm serve meta-llama/Llama-3.1-8B-Instruct --host 0.0.0.0 --port 8000 --tensor-parallel-size 1 --max-model-len 8192 --gpu-memory-utilization 0.9
