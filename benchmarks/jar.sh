# Sourced by run.sh and scale.sh (from the repository root): sets $java from JAVA_HOME and builds the
# shaded benchmarks/target/benchmarks.jar when it is missing or older than any source or pom of the
# modules it contains.
java="java"
if [[ -n "${JAVA_HOME:-}" ]]; then java="$JAVA_HOME/bin/java"; fi
jar="benchmarks/target/benchmarks.jar"
if [[ ! -f "$jar" ]] || [[ -n "$(find . -path ./benchmarks/target -prune -o \( -name '*.java' -o -name pom.xml -o -path '*/src/main/resources/*' \) -newer "$jar" -print -quit)" ]]; then
  echo "== building $jar"
  mvn -B -ntp -q -o package -pl benchmarks -am -DskipTests \
    || mvn -B -ntp -q package -pl benchmarks -am -DskipTests
fi
