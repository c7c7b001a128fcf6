print("jido-bench")
