#!/bin/sh
# scout plan: DeepSeek-V3 (671B MoE) on 2 x 8 x H100 SXM 80GB, TP 8 x PP 2 + EP, FP8.
# vLLM should log: Available KV cache memory: 24.15 GiB
# vLLM should log: GPU KV cache size: 725,952 tokens
# vLLM should log: Maximum concurrency for 8,192 tokens per request: 88.62x
# One replica spans 2 nodes (pipeline stage per node). LEADER is node 0's address; run node N's line on node N.
LEADER=${LEADER:?set LEADER to the address of node 0}
# node 0
vllm serve deepseek-ai/DeepSeek-V3 --host 0.0.0.0 --port 8000 --tensor-parallel-size 8 --pipeline-parallel-size 2 --enable-expert-parallel --max-model-len 8192 --gpu-memory-utilization 0.9 --nnodes 2 --node-rank 0 --master-addr "$LEADER"
# node 1
vllm serve deepseek-ai/DeepSeek-V3 --host 0.0.0.0 --port 8000 --tensor-parallel-size 8 --pipeline-parallel-size 2 --enable-expert-parallel --max-model-len 8192 --gpu-memory-utilization 0.9 --nnodes 2 --node-rank 1 --master-addr "$LEADER" --headless
# Alternatively with Ray: on node 0 `ray start --head --port 6379`, on the others `ray start --address "$LEADER:6379"`,
# then on node 0 only: vllm serve deepseek-ai/DeepSeek-V3 --host 0.0.0.0 --port 8000 --tensor-parallel-size 8 --pipeline-parallel-size 2 --enable-expert-parallel --max-model-len 8192 --gpu-memory-utilization 0.9 --distributed-executor-backend ray
