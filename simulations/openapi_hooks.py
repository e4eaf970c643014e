"""schemathesis hooks for simulations/check-openapi.py: the server-error check, with the two statuses that are
the network's own answers let through."""
import schemathesis

# Too few providers for the code asked for, or no room on them: the peer says so with 503 or 507 and a sentence.
NETWORK_ANSWERS = {503, 507}


@schemathesis.check
def no_server_error_but_the_networks_answers(ctx, response, case):
    status = response.status_code
    if status >= 500 and status not in NETWORK_ANSWERS:
        raise AssertionError(f"server error {status}: {response.text[:300]}")
    # A HEAD answer has no body (RFC 9110 §9.3.2): its status is all it can say. A file whose owner ended the
    # agreements of too many slots is unavailable (503) once their providers drop the shards.
    if status in NETWORK_ANSWERS and case.method.upper() != "HEAD" and '"error"' not in response.text:
        raise AssertionError(f"{status} without an error sentence: {response.text[:300]}")
