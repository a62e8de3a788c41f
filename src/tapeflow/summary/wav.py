"""WAV encoding of float audio for `tf.summary.audio`, with the standard library's `wave` module:
16-bit PCM, samples clipped to [-1, 1] and scaled by 2**15 with rounding, as `tf.audio.encode_wav`."""

from __future__ import annotations

import io
import wave

import numpy as np


def encode_wav(audio: np.ndarray, sample_rate: int) -> bytes:
    """`audio`: float [frames, channels]."""
    samples = np.clip(np.round(np.asarray(audio, np.float32) * np.float32(32768)), -32768, 32767)
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(audio.shape[1])
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(samples.astype("<i2").tobytes())
    return out.getvalue()
