"""The transformers look-alike layer: what exists only so that s2t_np can be used like transformers.

Facades (`Speech2TextModel`, `Speech2TextForConditionalGeneration`, the feature extractor, the
tokenizer, the processor), their output classes, generation-option resolution, checkpoint
directories and `pytorch_model.bin` reading. No math lives here: every computation is a call into
the stage modules one level up, and nothing up there imports from here.
"""
