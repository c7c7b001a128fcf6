print("jido-audit")
