// aws-local-stepfunctions 3 declares Node >= 22 and uses Promise.withResolvers, which Node 20 lacks;
// the local stack needs the same polyfill, so both load it from one place.
import '../local/polyfills.ts';
