package dev.backlogsentinel.agent.cluster;

import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import org.jboss.logging.Logger;

/**
 * Informers of an agent never give up on the API server. By default a fabric8 informer whose first
 * list fails stops for good, so an agent started during an outage would never learn its pods.
 * Only an answer that can never parse (the model does not fit the server) is final.
 */
final class RetryForever {

    private static final Logger LOG = Logger.getLogger(RetryForever.class);

    static final ExceptionHandler HANDLER = (started, failure) -> {
        if (ExceptionHandler.isDeserializationException(failure)) {
            LOG.errorf("informer stopped: the API server's answer does not fit the model: %s", failure.getMessage());
            return false;
        }
        LOG.debugf("informer retrying after: %s", failure.getMessage());
        return true;
    };

    private RetryForever() {
    }
}
