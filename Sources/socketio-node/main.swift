print("socketio-node: not built yet")
