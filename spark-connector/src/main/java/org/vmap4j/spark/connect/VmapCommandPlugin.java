package org.vmap4j.spark.connect;

import java.util.Optional;
import org.apache.spark.sql.connect.planner.SparkConnectPlanner;
import org.apache.spark.sql.connect.plugin.CommandPlugin;
import org.vmap4j.remote.RemoteCall;
import org.vmap4j.spark.VmapSpark;

/**
 * Registers a client's traced function as a SQL function of the client's session (a command
 * extension of type {@value RemoteCall#REGISTER_TYPE_URL}), as {@link VmapSpark#register} does in
 * classic Spark. Register it on the server with {@code
 * spark.connect.extensions.command.classes=org.vmap4j.spark.connect.VmapCommandPlugin}.
 */
public final class VmapCommandPlugin implements CommandPlugin {

  @Override
  public boolean process(byte[] any, SparkConnectPlanner planner) {
    Optional<byte[]> payload = ProtoAny.unpack(any, RemoteCall.REGISTER_TYPE_URL);
    if (payload.isEmpty()) {
      return false;
    }
    RemoteCall.Registration r = RemoteCall.readRegistration(payload.get());
    VmapSpark.register(planner.session(), r.functionName(), RemoteUdfs.udf(r.call()));
    return true;
  }
}
