"""Exercise: generate text with a trained language model (the notebook's "Generating Text").

Autoregressive generation: feed the prompt once, then repeatedly pick a next token from the
model's distribution at the last position and feed just that token back in, with the carried
hidden state (an LSTM's state already summarises the whole prefix, so there is no need to
re-read it).

Picking the next token from the last logits z (V,):
    temperature == 0:  greedy, argmax(z)
    otherwise:         sample from softmax(z / temperature)
                       low temperature -> sharper, safer; high -> flatter, more surprising
    top_k:             before the softmax, keep only the k largest logits (others -inf),
                       so a long tail of unlikely tokens can never be drawn.
"""
import torch
import torch.nn.functional as F


def generate(model, prompt_ids, length, temperature=1.0, top_k=None, generator=None):
    """Return the prompt followed by `length` generated ids, as a 1-D LongTensor.

    Args:
        model: forward(x (1, T), hidden=None) -> (logits (1, T, V), hidden), e.g. a CharLSTM.
        prompt_ids: a non-empty 1-D LongTensor (P,).
        length: how many new ids to generate (0 returns the prompt).
        temperature: 0 for greedy decoding, else the softmax temperature.
        top_k: None, or sample only among the top_k largest logits.
        generator: a torch.Generator to pass to torch.multinomial, for reproducible samples.

    Returns:
        (P + length,) int64: the prompt, then the new ids.

    Requirements:
        - Feed the prompt once as (1, P), then each new id alone as (1, 1) with the carried
          hidden state. (The last new id need not be fed: nothing reads its logits.)
        - No autograd graphs (torch.no_grad()).
        - Leave the model in the train/eval mode it had: remember model.training, call
          model.eval(), and restore with model.train(was_training) in a `finally:` block.

    Hints:
        - torch.multinomial(probs, num_samples, generator=...) draws ids from probs (V,).
        - torch.topk(z, k).values[-1] is the k-th largest logit; z.masked_fill(z < kth,
          float("-inf")) drops the rest.
    """
    raise NotImplementedError("generate: not implemented yet")
