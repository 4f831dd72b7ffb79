print("tterminal")
