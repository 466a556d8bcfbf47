// Placeholder: WebRTCProducer is being built (issue #6/#7).
