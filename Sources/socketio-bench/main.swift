print("socketio-bench: not built yet")
